"""The ledger on the Analytics tab over the fake reader: the scope switch and its default, KPIs and month and
quarter totals of all loaded data, what a file changed, and the ledger re-read when runs or promotions move it.

The tea orders have two COMPLETED runs (tea-1, tea-2); unless a test stores one, their ledger is both runs' grains.
"""

from __future__ import annotations

import pandas as pd
import pytest

from flows.constants import MISSING
from flows.storage.read import CHANGE_COLUMNS
from panel_app.data_store import DataStore
from panel_app.selection import ALL_DATA, THIS_FILE
from panel_app.views import analytics, ledger
from tests.unit.dashboard.conftest import TEA
from tests.unit.dashboard.fakes import FakeDatabase, FakeReader
from tests.unit.dashboard.frames import grain, run, runs
from tests.unit.dashboard.results import tea

KEYS = ["order_date", "region", "product", "revenue", "quantity"]


def both_runs() -> pd.DataFrame:
    """Both tea runs' grains, missing keys read MISSING."""
    return pd.concat([tea().grains["tea-1"], tea().grains["tea-2"]]).fillna(MISSING)


def opened(db: FakeDatabase) -> DataStore:
    """A DataStore on the tea orders with the default scope."""
    return DataStore(FakeReader(db, TEA))


def test_more_than_one_completed_run_opens_on_all_loaded_data(db: FakeDatabase) -> None:
    """It opens on the ledger: KPIs over both runs, with no change against a comparison file."""
    store = opened(db)
    assert store.scope == ALL_DATA and store.run_id == "tea-2"
    kpis = analytics.AnalyticsKpis(store=store)
    expected = both_runs()
    assert kpis.values()["revenue"] == pytest.approx(round(expected["revenue"].sum(), 2))
    assert kpis.values()["record_count"] == expected["record_count"].sum()
    assert "vs comparison" not in kpis.markup()
    assert store.date_range == (pd.Timestamp("2024-02-20").date(), pd.Timestamp("2024-03-04").date())


def test_a_single_completed_run_opens_on_this_file(db: FakeDatabase) -> None:
    """With one COMPLETED run the ledger is that file: it opens on the file's own view."""
    stored = db.datasets[TEA]
    stored.runs.loc[stored.runs["run_id"] == "tea-1", "status"] = "FAILED"
    store = opened(db)
    assert store.scope == THIS_FILE
    assert store.grain["revenue"].sum() == pytest.approx(tea().grains["tea-2"]["revenue"].sum())


def test_all_loaded_data_reads_the_stored_ledger_and_its_filters(db: FakeDatabase) -> None:
    """It shows the ledger as stored (a superseded row replaced), filters it, and switching shows the file."""
    db.datasets[TEA].ledger = grain(
        KEYS,
        ("2024-02-20", "North", "Tea", 450.00, 2, 1),  # tea-1's 500.00 superseded by a corrected 450.00
        ("2024-03-01", "South", "Coffee", 800.25, 2, 1),
        ("2024-04-02", "North", None, 10.00, 1, 1),
    )
    store = opened(db)
    assert store.options == {"region": ["North", "South"], "product": ["Coffee", "Tea", MISSING]}
    kpis = analytics.AnalyticsKpis(store=store)
    assert kpis.values()["revenue"] == pytest.approx(1260.25)
    store.set_filter("region", ["North"])
    assert kpis.values()["revenue"] == pytest.approx(460.00) and kpis.values()["record_count"] == 2
    store.scope = THIS_FILE
    north = tea().grains["tea-2"].query("region == 'North'")
    assert kpis.values()["revenue"] == pytest.approx(round(north["revenue"].sum(), 2))
    assert "vs comparison" in kpis.markup()


def test_month_and_quarter_totals_follow_the_scope(db: FakeDatabase) -> None:
    """It sums the headline and the records per calendar month, then per quarter, of the scope shown."""
    store = opened(db)
    card = ledger.PeriodTotals(store=store)
    frame, expected = card.frame(), both_runs()
    months = expected.groupby(expected["order_date"].str[:7])["revenue"].sum().round(2)
    assert frame.query("kind == 'month'").set_index("period")["total"].to_dict() == pytest.approx(months.to_dict())
    quarter = frame.query("kind == 'quarter'")
    assert quarter["period"].tolist() == ["2024-Q1"]
    assert quarter["total"].iloc[0] == pytest.approx(round(expected["revenue"].sum(), 2))
    assert quarter["record_count"].iloc[0] == expected["record_count"].sum()
    store.scope = THIS_FILE
    assert card.frame()["period"].tolist() == ["2024-03", "2024-Q1"]


def test_what_this_file_changed_counts_and_lists_each_kind(db: FakeDatabase) -> None:
    """It counts rows added, resent, in conflict and superseded, and lists them with the earlier run."""
    found = "resent: order_id T-1 was loaded by run tea-1 from tea-1.csv (row 1, record 1001)"
    db.datasets[TEA].changes["tea-2"] = pd.DataFrame(
        [
            ("resent", "T-1", 3, 2003, None, None, None, None, found),
            ("conflict", "T-2", 4, 2004, None, None, None, None, "conflicts with the ledger: order_id T-2 ..."),
            ("superseded", "T-3", 5, 2005, 1003, "tea-1", "500.00", "450.00", None),
        ],
        columns=CHANGE_COLUMNS,
    )
    db.datasets[TEA].added["tea-2"] = 1_234_500
    card = ledger.FileChanges(store=opened(db))
    assert dict(card.counts()) == {
        "Added (new keys)": 1_234_500,
        "Resent, quarantined": 1,
        "Conflicts, quarantined": 1,
        "Superseded (old → new)": 1,
    }
    assert "12,34,500" in card.markup()  # the dataset's digit grouping
    table = card.frame().set_index("key")
    assert table.loc["T-3", ["earlier_run_id", "before", "after"]].tolist() == ["tea-1", 500.0, 450.0]
    assert table.loc["T-1", "details"] == found and table.loc["T-1", "change"] == "Resent, quarantined"


def test_a_file_without_ledger_changes_shows_zeros_and_an_empty_list(db: FakeDatabase) -> None:
    """A REJECTED run has no results: zero of each kind, no rows."""
    store = opened(db)
    store.run_id = "tea-3"
    card = ledger.FileChanges(store=store)
    assert [rows for _, rows in card.counts()] == [0, 0, 0, 0] and card.frame().empty


def test_the_ledger_is_read_again_when_a_run_completes_or_a_steward_promotes(db: FakeDatabase) -> None:
    """A reload after a new COMPLETED run, or after a revision moves on an earlier run, re-reads the ledger."""
    store = opened(db)
    before = store.grain["revenue"].sum()
    stored = db.datasets[TEA]
    stored.grains["tea-4"] = grain(KEYS, ("2024-03-05", "East", "Tea", 99.0, 1, 1))
    stored.runs = pd.concat(
        [stored.runs, runs(run("tea-4", "COMPLETED", "2024-03-10 09:00", (1, 1, 0, 0)), dataset=TEA)],
        ignore_index=True,
    )
    store.reload()
    assert store.run_id == "tea-2" and store.grain["revenue"].sum() == pytest.approx(before + 99.0)  # kept
    stored.ledger = grain(KEYS, ("2024-03-05", "East", "Tea", 7.0, 1, 1))  # a promotion changed the ledger
    stored.runs["revision"] = [5 if r == "tea-1" else 0 for r in stored.runs["run_id"]]
    reads = len([r for r in db.reads if r[0] == "ledger_grain"])
    store.reload()
    assert len([r for r in db.reads if r[0] == "ledger_grain"]) == reads + 1
    assert store.grain["revenue"].sum() == pytest.approx(7.0)


def test_the_run_comparison_compares_files_in_either_scope(db: FakeDatabase) -> None:
    """Under all loaded data the comparison card still sets this file against the comparison file."""
    store = opened(db)
    store.date_range = None
    card = analytics.RunComparison(store=store)
    totals = card.frame().query("section == 'Totals' and item == 'revenue'").iloc[0]
    assert totals["this_run"] == pytest.approx(102550.74) and totals["comparison_run"] == pytest.approx(800.0)
