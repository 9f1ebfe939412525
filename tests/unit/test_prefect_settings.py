"""The repo's prefect.toml, as Prefect reads it for every command started from the repo root."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READ = (
    "from prefect.settings import get_current_settings as s; c = s(); "
    "print(c.server.ephemeral.startup_timeout_seconds, c.tasks.default_no_cache, c.server.analytics_enabled)"
)


def test_a_cold_command_line_waits_long_enough_for_the_temporary_server() -> None:
    """A loaded two-core machine took over Prefect's default 20 s to start the temporary server, and a run failed
    with 'Timed out while attempting to connect to ephemeral Prefect API server'; the repo allows 90 s."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    shown = subprocess.run([sys.executable, "-c", READ], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert shown.stdout.split() == ["90", "True", "False"]
