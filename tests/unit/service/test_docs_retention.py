"""Data Docs retention through the service: old runs leave the site, never the database."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from flows.dataset import DatasetSpec
from flows.settings import Settings
from panel_app.metrics.runs import docs_href
from tests.factories import make_frame, write_csv
from tests.integration.helpers import read_table
from tests.unit.service.runner import run_file


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A fresh SQLite database file."""
    return f"sqlite:///{tmp_path / 'service.db'}"


def test_retention_drops_an_old_runs_pages_but_keeps_its_run_record(
    url: str, spec: DatasetSpec, tmp_path: Path
) -> None:
    """A run whose docs were built 8 days ago loses its page and index rows when a run keeps 7 days; its
    pipeline_runs row and summary stay, and the dashboard's link to it becomes "not available"."""
    work, docs = tmp_path / "work", tmp_path / "work" / "docs"
    old = run_file(url, spec, write_csv(tmp_path / "day1.csv", make_frame(3)), work, docs=True)
    fragment = docs / "manifest" / f"{old.run.run_id}.json"
    eight_days_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=8)).isoformat()
    fragment.write_text(json.dumps(json.loads(fragment.read_text()) | {"built_at": eight_days_ago}))
    new = run_file(url, spec, write_csv(tmp_path / "day2.csv", make_frame(4)), work, docs=True, keep_days=7)
    runs = read_table(url, "pipeline_runs").set_index("run_id")
    assert list(runs.loc[[old.run.run_id, new.run.run_id], "status"]) == ["COMPLETED", "COMPLETED"]
    assert runs.loc[old.run.run_id, "clean_count"] == 3
    index = (docs / "index.html").read_text(encoding="utf-8")
    assert old.run.run_id not in index and new.run.run_id in index
    assert not (docs / old.run.run_id).exists() and not fragment.exists()
    assert docs_href(runs.loc[old.run.run_id, "data_docs_path"], docs) is None
    assert docs_href(runs.loc[new.run.run_id, "data_docs_path"], docs) == f"/docs/{new.run.run_id}/index.html"


@pytest.mark.parametrize("days", ["0", "-3"])
def test_a_retention_under_one_day_is_refused(days: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """DOCS_RETENTION_DAYS below 1 would drop the pages a run has just built, so the settings refuse it."""
    monkeypatch.setenv("DOCS_RETENTION_DAYS", days)
    with pytest.raises(ValidationError, match="docs_retention_days"):
        Settings()
