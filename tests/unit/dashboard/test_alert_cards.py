"""Alert findings on the dashboard: the pure shaping on hand-made frames, then the banner, the list and the
markers over the fake reader's tea orders (tea-1 and tea-2 COMPLETED, tea-3 REJECTED)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from flows.storage.read import ALERT_COLUMNS
from panel_app.app import TABS, App
from panel_app.charts.alerts import ALERT
from panel_app.data_store import DataStore
from panel_app.metrics.alerts import THIS_RUN, alert_list, banner_text, finding_lines, notified_text, run_markers
from panel_app.selection import THIS_FILE
from panel_app.views import analytics, quality
from panel_app.views.alerts import AlertBanner, AlertList
from tests.unit.dashboard.conftest import TEA
from tests.unit.dashboard.fakes import FakeDatabase, FakeReader
from tests.unit.dashboard.results import tea

WHEN = pd.Timestamp("2024-03-09 06:00", tz="UTC")


def finding(
    alert_id: int, run_id: str, kind: str, metric: str, value: float | None, expected: str, **more: Any
) -> dict:
    """One stored finding (notified by default)."""
    row = {"alert_id": alert_id, "run_id": run_id, "kind": kind, "metric": metric, "value": value}
    return row | {"expected": expected, "created_at": WHEN, "notified": True, "notify_error": None} | more


def findings(*rows: dict) -> pd.DataFrame:
    """Findings as the reader returns them: newest first."""
    return pd.DataFrame(list(rows), columns=list(ALERT_COLUMNS)).sort_values("alert_id", ascending=False)


TEA_2 = findings(
    finding(1, "tea-1", "threshold", "exception_rate", 0.3, "<= 0.25"),
    finding(2, "tea-2", "anomaly", "rows_received", 100.0, "800 to 1,200"),
    finding(3, "tea-2", "threshold", "rows_received", 100.0, "500 to 5,000,000", notified=None),
    finding(4, "tea-2", "anomaly", "revenue:region=<b>North</b>", 12345.678, "20,000 to 90,000"),
    finding(5, "tea-2", "anomaly", "revenue:total", 54321.0, "100,000 to 300,000", notified=False, notify_error="x"),
    finding(6, "tea-3", "run_rejected", "run_status", None, "COMPLETED"),
)


def test_a_finding_reads_as_kind_metric_value_and_expected_range() -> None:
    """It writes values as the expected ranges do (whole numbers from 1,000 up), and no value for an ending."""
    lines = finding_lines(TEA_2.sort_values("alert_id")).tolist()
    assert lines[1] == "anomaly: rows_received = 100 (expected 800 to 1,200)"
    assert lines[0] == "threshold: exception_rate = 0.3 (expected <= 0.25)"
    assert lines[3] == "anomaly: revenue:region=<b>North</b> = 12,346 (expected 20,000 to 90,000)"
    assert lines[5] == "run rejected: run_status (expected COMPLETED)"


def test_the_banner_names_the_first_findings_and_counts_the_rest() -> None:
    """Four findings on tea-2: the first three in the order recorded, then "and 1 more"; none gives no banner."""
    said = banner_text(TEA_2[TEA_2["run_id"] == "tea-2"])
    assert said.startswith("4 alerts on this run: anomaly: rows_received = 100 (expected 800 to 1,200); threshold:")
    assert said.endswith("; and 1 more") and "revenue:total" not in said
    assert banner_text(TEA_2[TEA_2["run_id"] == "tea-3"]).startswith("1 alert on this run: run rejected")
    assert banner_text(TEA_2.iloc[0:0]) == ""


def test_notification_reads_sent_not_sent_or_not_tried() -> None:
    """It says whether each finding's event went out, and why not."""
    said = dict(zip(TEA_2["alert_id"], notified_text(TEA_2), strict=True))
    assert (said[2], said[3], said[5]) == ("sent", "not tried", "not sent: x")


def test_the_list_puts_the_selected_runs_findings_first_then_the_newest() -> None:
    """Every finding once: tea-2's four first (marked), then tea-3's and tea-1's, newest first."""
    runs = pd.DataFrame(
        {"run_id": ["tea-1", "tea-2", "tea-3"], "source_name": ["a.csv", "b.csv", "c.csv"]}
        | {"started_at": pd.to_datetime(["2024-03-01 08:00", "2024-03-08 09:30", "2024-03-09 07:00"], utc=True)}
    )
    mine = TEA_2[TEA_2["run_id"] == "tea-2"]
    table = alert_list(TEA_2, mine, runs, "tea-2")
    assert table["metric"].tolist()[4:] == ["run_status", "exception_rate"]
    assert table["this_run"].tolist() == [THIS_RUN] * 4 + ["", ""]
    assert table.loc[0, "run"] == "2024-03-08 09:30 · b.csv" and table.loc[0, "value"] == "54,321"
    assert set(table["run_id"]) == {"tea-1", "tea-2", "tea-3"} and len(table) == len(TEA_2)
    assert alert_list(TEA_2.iloc[0:0], TEA_2.iloc[0:0], runs, None).empty


def test_markers_name_each_charted_runs_findings_escaped() -> None:
    """One marker per charted run with findings, in chart order; the REJECTED run (not charted) has none."""
    history = pd.DataFrame({"run_id": ["tea-1", "tea-2"], "label": ["01 Mar", "08 Mar"]})
    marks = run_markers(TEA_2, history)
    assert marks[["label", "alerts"]].values.tolist() == [["01 Mar", 1], ["08 Mar", 4]]
    assert marks.loc[1, "hover"].startswith("4 alerts<br>anomaly: rows_received = 100")
    assert "&lt;b&gt;North&lt;/b&gt;" in marks.loc[1, "hover"] and "<b>" not in marks.loc[1, "hover"]
    assert run_markers(TEA_2.iloc[0:0], history).empty


@pytest.fixture
def alerted(db: FakeDatabase) -> DataStore:
    """The tea orders with the findings above, on tea-2 (the latest COMPLETED run)."""
    db.datasets[TEA].alerts = TEA_2
    return DataStore(FakeReader(db, TEA), scope=THIS_FILE)


def test_the_run_banner_shows_the_selected_runs_findings_only(alerted: DataStore) -> None:
    """tea-2 gets the banner; tea-1 its one finding; a dataset without findings shows none."""
    banner = AlertBanner(store=alerted)
    assert "4 alerts on this run" in banner.markup() and "notice danger" in banner.markup()
    assert "&lt;b&gt;North&lt;/b&gt;" in banner.markup() and "revenue:total" not in banner.markup()  # escaped; counted
    alerted.run_id = "tea-1"
    assert "1 alert on this run: threshold: exception_rate = 0.3" in banner.markup()
    quiet = DataStore(FakeReader(FakeDatabase({TEA: tea()}), TEA), scope=THIS_FILE)
    assert AlertBanner(store=quiet).markup() == ""


def test_the_data_quality_tab_lists_the_findings(alerted: DataStore) -> None:
    """The Data Quality tab holds the list; it says how many are the selected run's."""
    app = App(store=alerted)
    app.tabs.active = [title for title, *_ in TABS].index("Data Quality")
    cards = app.views["alerts"]
    assert isinstance(cards, AlertList) and cards.frame()["this_run"].tolist().count(THIS_RUN) == 4
    assert "6 findings (4 on the selected run" in cards.summary()
    assert "4 alerts on this run" in app.alert_banner.markup()


def test_the_across_runs_charts_mark_the_runs_with_findings(alerted: DataStore) -> None:
    """Quality across runs and the headline per run get a red marker above tea-1's and tea-2's bars."""
    *_, marks = quality.QualityTrend(store=alerted).figure().data
    assert marks.name == "Alerts" and marks.marker.color == ALERT and len(marks.x) == 2
    assert marks.y[1] > 1_234_567 and "4 alerts" in marks.customdata[1]
    totals = analytics.TotalsAcrossRuns(store=alerted).figure().data
    assert [trace.name for trace in totals][-1] == "Alerts" and len(totals[-1].x) == 2
    quiet = DataStore(FakeReader(FakeDatabase({TEA: tea()}), TEA), scope=THIS_FILE)
    assert "Alerts" not in [trace.name for trace in quality.QualityTrend(store=quiet).figure().data]
