"""What the browser tests share: Debian's Chromium, launched by Playwright, and where screenshots go."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import ROOT

if TYPE_CHECKING:
    from playwright.sync_api import Browser

# Without the background-networking flags Chromium keeps trying to reach Google from an offline machine.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def browser(chromium_path: Path) -> Iterator[Browser]:
    """Debian's Chromium launched by Playwright (the `chromium_path` fixture decides run, skip or fail)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_dashboard(port: int, env: dict[str, str], log: Path, extra_args: tuple[str, ...] = ()) -> Iterator[str]:
    """`panel serve panel_app/app.py` as `make dashboard` runs it, on `port`; yields its base URL once it answers."""
    command = [sys.executable, "-m", "panel", "serve", "panel_app/app.py", "--address", "127.0.0.1"]
    command += ["--port", str(port), f"--allow-websocket-origin=127.0.0.1:{port}", *extra_args]
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/app", timeout=5) as response:
                if response.status == 200:
                    break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"panel serve did not come up:\n{log.read_text()}")
            time.sleep(0.3)
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)


@contextmanager
def database_with_roles(
    postgres_server: str, name: str, workdir: Path, rows: int, seed: int
) -> Iterator[tuple[str, Any]]:
    """A throwaway database prepared by sql/roles.sql and filled by one run of a generated file as pipeline_writer;
    roles.sql runs again afterwards, as the README says, so steward_writer may promote into the new tables.
    Yields the administrator's URL and the run's summary."""
    from flows.generate import DefectRates, generate_sales, write_generated
    from flows.pipeline import run_pipeline
    from tests.conftest import throwaway_database
    from tests.integration.helpers import apply_roles, as_role

    with throwaway_database(postgres_server, name) as url, pytest.MonkeyPatch.context() as env:
        apply_roles(url)
        env.setenv("DATABASE_URL", as_role(url, "pipeline_writer"))
        env.setenv("DOCS_DIR", str(workdir / "docs"))
        env.setenv("EXPECTATIONS_DIR", str(ROOT / "expectations"))
        rates = DefectRates()
        write_generated(generate_sales(rows, seed=seed, rates=rates), workdir / "day.csv", seed, rates)
        summary = run_pipeline(source=str(workdir / "day.csv"))
        assert summary.status == "COMPLETED" and summary.clean_count > 0 and summary.exception_count > 0
        apply_roles(url)
        yield url, summary
