"""The corrections incoming folder: filled templates dropped there are applied like sales files are loaded."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from flows.exceptions import main
from flows.pipeline import run_pipeline
from flows.replay import process_corrections
from tests.conftest import ROOT
from tests.factories import make_frame, write_csv
from tests.integration.helpers import scalar

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_dropped_corrections_are_applied_once_and_filed_away(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """It applies a dropped file (processed/), skips the same bytes dropped again, and rejects a file that is
    not a corrections file (rejected/, with its reason beside it)."""
    for name, value in {"DATABASE_URL": sqlite_url, "DOCS_DIR": str(tmp_path / "docs")}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("EXPECTATIONS_DIR", str(ROOT / "expectations"))
    monkeypatch.setenv("INCOMING_SETTLE_SECONDS", "0")
    frame = make_frame(3, rows=[{"region": "north"}, {"revenue": "-9.00"}])
    run_id = run_pipeline(source=str(write_csv(tmp_path / "s.csv", frame))).run_id
    assert main(["export", "--run", run_id, "--out", str(tmp_path / "t.csv")]) == 0
    template = pd.read_csv(tmp_path / "t.csv", dtype=str, keep_default_na=False)
    template.loc[0, ["action", "note", "region"]] = ["correct", "capitalised", "North"]
    template.loc[1, ["action", "note"]] = ["waive", "a refund"]
    incoming = tmp_path / "corrections" / "incoming"
    incoming.mkdir(parents=True)
    template.to_csv(incoming / "monday.csv", index=False)
    pd.DataFrame({"exception_id": ["1"]}).to_csv(incoming / "junk.csv", index=False)

    outcomes = process_corrections(incoming=str(incoming), user="folder-bot", dataset="sales")
    assert outcomes == {"junk.csv": "REJECTED", "monday.csv": "APPLIED"}
    processed, rejected = incoming.parent / "processed", incoming.parent / "rejected"
    assert (processed / "monday.csv").is_file() and not any(incoming.iterdir())
    assert "missing columns action, note" in (rejected / "junk.csv.reason.txt").read_text(encoding="utf-8")
    assert scalar(sqlite_url, "SELECT COUNT(*) FROM exceptions WHERE status = 'PROMOTED'") == 2
    assert scalar(sqlite_url, "SELECT COUNT(DISTINCT user_name) FROM exception_events") == 1

    shutil.copy(processed / "monday.csv", incoming / "monday-again.csv")
    assert process_corrections(incoming=str(incoming), user="folder-bot", dataset="sales") == {
        "monday-again.csv": "SKIPPED"
    }
    assert (processed / "monday-again.csv").is_file()
    assert scalar(sqlite_url, "SELECT COUNT(*) FROM exception_events") == 2
