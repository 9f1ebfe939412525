"""Alert findings on the dashboard, from a real run: a 200-row sales file is below the spec's 500-row minimum, so the
run records a `rows_received` threshold finding; the reader returns it and the banner, the Data Quality list and the
across-runs chart show it. Then findings added later appear on *Reload runs*, and a run whose findings are older than
the dataset's latest ALERT_LIMIT is still read in full."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from flows.generate import DefectRates, generate_sales, write_generated
from flows.pipeline import run_pipeline
from flows.settings import Settings
from panel_app.app import TABS, App
from panel_app.data_store import DataStore
from panel_app.metrics.alerts import THIS_RUN
from panel_app.ports import ALERT_LIMIT
from panel_app.reader import Reader
from panel_app.selection import THIS_FILE
from tests.conftest import ROOT
from tests.integration.helpers import read_table

pytestmark = pytest.mark.usefixtures("prefect_harness")
ROWS = 200  # under the sales spec's rows_received minimum (500)
ROWS_FINDING = f"threshold: rows_received = {ROWS} (expected 500 to 5,000,000)"


def small_run(tmp_path: Path) -> str:
    """One COMPLETED run of a generated 200-row sales file; its run id."""
    rates = DefectRates()
    write_generated(generate_sales(ROWS, seed=21, rates=rates), tmp_path / "small.csv", 21, rates)
    summary = run_pipeline(source=str(tmp_path / "small.csv"))
    assert summary.status == "COMPLETED"
    return summary.run_id


def dashboard(url: str, tmp_path: Path) -> App:
    """A fresh dashboard on the database (its own reader: nothing cached from other tests), Data Quality open."""
    store = DataStore(Reader(url, "sales"), expectations_dir=ROOT / "expectations", scope=THIS_FILE)
    app = App(store=store, settings=Settings(docs_dir=tmp_path / "docs", prefect_ui_url="http://127.0.0.1:4200"))
    app.tabs.active = [title for title, *_ in TABS].index("Data Quality")
    return app


def add_findings(url: str, run_id: str, metrics: list[str]) -> None:
    """Record findings about a run as the pipeline does (AlertRecords.add in a unit of work)."""
    from flows.storage.engine import get_engine
    from flows.storage.uow import SqlUnitOfWork

    now = dt.datetime.now(dt.UTC)
    rows = [
        {"run_id": run_id, "dataset": "sales", "kind": "anomaly", "metric": m, "value": 1.0, "expected": "2 to 3"}
        | {"details": {}, "created_at": now}
        for m in metrics
    ]
    with SqlUnitOfWork(get_engine(url)) as uow:
        uow.alerts.add(rows)


def test_a_runs_findings_are_read_and_shown_on_the_banner_the_list_and_the_chart(
    pipeline_env: str, tmp_path: Path
) -> None:
    """The reader returns exactly the stored findings; the banner names the rows_received one, the list marks it as
    the selected run's, and the quality-across-runs chart puts a marker on the run."""
    run_id = small_run(tmp_path)
    stored = read_table(pipeline_env, "alerts", run_id)
    assert "rows_received" in set(stored["metric"])

    app = dashboard(pipeline_env, tmp_path)
    listed = app.ds.reader.alerts()
    assert sorted(listed["alert_id"]) == sorted(stored["id"]) and set(listed["run_id"]) == {run_id}
    assert listed["created_at"].dt.tz is not None and listed["value"].notna().all()
    assert app.ds.run_id == run_id and ROWS_FINDING in app.alert_banner.markup()
    table = app.views["alerts"].frame()
    assert len(table) == len(stored) and (table["this_run"] == THIS_RUN).all()
    assert (table["notified"] == "sent").all()  # the harness's Prefect API took every event
    marks = app.views["quality_trend"].figure().data[-1]
    assert marks.name == "Alerts" and len(marks.x) == 1 and "rows_received" in marks.customdata[0]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the cache, not the database, is under test
def test_later_findings_show_on_reload_and_an_old_runs_findings_are_read_in_full(
    pipeline_env: str, tmp_path: Path
) -> None:
    """A finding added after the page was built shows once the runs are reloaded; with more than ALERT_LIMIT newer
    findings of other runs, the run's own are still all on its banner and first in the list."""
    run_id = small_run(tmp_path)
    app = dashboard(pipeline_env, tmp_path)
    before = len(app.ds.reader.run_alerts(run_id))
    add_findings(pipeline_env, run_id, ["late_metric"])
    assert len(app.ds.reader.run_alerts(run_id)) == before  # cached until reloaded
    app.ds.reload()
    assert f"{before + 1} alerts on this run" in app.alert_banner.markup()

    add_findings(pipeline_env, "another-run", [f"m{i}" for i in range(ALERT_LIMIT)])
    app.ds.reload()
    assert run_id not in set(app.ds.reader.alerts()["run_id"])  # pushed out of the latest ALERT_LIMIT
    assert f"{before + 1} alerts on this run" in app.alert_banner.markup()
    table: pd.DataFrame = app.views["alerts"].frame()
    assert (table["this_run"] == THIS_RUN).sum() == before + 1 and len(table) == ALERT_LIMIT + before + 1
