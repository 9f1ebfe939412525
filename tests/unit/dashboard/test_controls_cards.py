"""Controls Summary cards over the fake reader: every control, failure rates across runs, reconciliation."""

from __future__ import annotations

import pytest

from panel_app.data_store import DataStore
from panel_app.views import controls
from tests.unit.dashboard.conftest import LAB
from tests.unit.dashboard.frames import rows_by
from tests.unit.dashboard.results import tea


def test_every_control_of_the_suite_is_listed_with_its_results(store: DataStore) -> None:
    """It lists every control: records checked (1 for a file-level one), failed, pass rate, change since tea-1."""
    table = rows_by(controls.ControlsTable(store=store).frame(), "rule")
    failed = {key: row["failed_records"] for key, row in rows_by(tea().rule_failures, "rule_name", "run_id").items()}
    assert list(table) == [r.name for r in store.reader.spec.suite.rules]
    assert [table["revenue_column_present"][c] for c in ("scope", "checked", "failed")] == ["file", 1, 0]
    assert table["revenue_positive"]["checked"] == 1_234_567
    assert table["revenue_positive"]["failed"] == failed[("revenue_positive", "tea-2")]
    change = failed[("region_not_null", "tea-2")] - failed[("region_not_null", "tea-1")]
    assert table["region_not_null"]["change"] == change == -3
    assert table["revenue_positive"]["pass_rate_pct"] == pytest.approx(round(100 * (1 - 28 / 1_234_567), 2))


def test_failure_rates_across_runs_are_failed_over_received(store: DataStore) -> None:
    """It shows each record-level control's failure rate (%) in tea-1 and tea-2."""
    figure = controls.FailureTrend(store=store).figure().data[0]
    rates = dict(zip(figure.y, figure.z.tolist(), strict=True))
    assert rates["revenue_positive"] == pytest.approx([round(100 * 6 / 2000, 2), round(100 * 28 / 1_234_567, 2)])
    assert "revenue_column_present" not in rates


def test_reconciliation_lists_every_finished_run(store: DataStore) -> None:
    """It balances received = clean + quarantined per COMPLETED run and says why other runs are not reconciled."""
    table = rows_by(controls.Reconciliation(store=store).frame(), "run_id")
    assert list(table) == ["tea-3", "tea-2", "tea-1", "tea-0"]
    assert [table["tea-2"][c] for c in ("raw", "clean", "quarantined", "unaccounted")] == [1_234_567, 1_234_535, 32, 0]
    assert table["tea-2"]["reconciliation"] == "balanced"
    assert table["tea-0"]["reconciliation"] == "not reconciled: FAILED"


def test_number_cells_follow_the_datasets_grouping(store: DataStore) -> None:
    """It groups tea table cells the Indian way, and the same table's cells in threes for the lab assays."""
    table = controls.ControlsTable(store=store).data.table
    assert "'en-IN'" in table.formatters["checked"].js_code
    store.dataset = LAB
    assert "'en-US'" in table.formatters["checked"].js_code
    assert "maximumFractionDigits: 6" in table.formatters["checked"].js_code
