"""The DataStore over the fake reader: which dataset, run and comparison it shows, and how filters select the grain."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from flows.constants import MISSING
from panel_app.data_store import DataStore
from panel_app.ports import DatabaseState
from panel_app.selection import ALL_DATA, THIS_FILE
from tests.unit.dashboard.conftest import LAB, TEA
from tests.unit.dashboard.fakes import FakeDatabase, FakeDataset, FakeReader
from tests.unit.dashboard.frames import run, runs
from tests.unit.dashboard.results import lab, tea


def test_it_offers_every_dataset_with_runs_and_a_spec_by_title(db: FakeDatabase) -> None:
    """It lists datasets by their titles and leaves out one whose spec is missing."""
    db.datasets["ghost"] = FakeDataset(spec=None, runs=runs(run("g-1", "COMPLETED", "2024-01-01", None), dataset="g"))
    store = DataStore(FakeReader(db, TEA))
    assert store.param.dataset.objects == {"Lab assays": LAB, "Tea orders": TEA}
    assert store.state == DatabaseState("ok")


def test_it_opens_on_the_default_dataset_else_the_first_by_name(db: FakeDatabase) -> None:
    """It opens on the default dataset when that has runs, else the first by name; a requested dataset wins."""
    assert DataStore(FakeReader(db, TEA)).dataset == TEA
    assert DataStore(FakeReader(db, TEA), default_dataset=LAB).dataset == LAB
    assert DataStore(FakeReader(db, "no_such_dataset")).dataset == LAB
    assert DataStore(FakeReader(db, TEA), dataset=LAB).dataset == LAB
    assert DataStore(FakeReader(db, TEA), dataset="unknown").dataset == TEA


def test_it_shows_the_latest_completed_run_compared_with_the_one_before(store: DataStore) -> None:
    """It lists the newer REJECTED run but shows the latest COMPLETED one, compared with the one before."""
    assert set(store.param.run_id.objects.values()) == {"tea-0", "tea-1", "tea-2", "tea-3"}
    assert store.run_id == "tea-2" and store.compare_run_id == "tea-1" and store.has_results
    assert list(store.param.compare_run_id.objects.values()) == ["", "tea-1"]
    store.run_id = "tea-1"
    assert store.compare_run_id == "" and list(store.param.compare_run_id.objects.values()) == ["", "tea-2"]


def test_a_run_without_results_shows_an_empty_grain_with_the_dataset_columns(store: DataStore) -> None:
    """It reads nothing of a REJECTED run: no options, dates or controls, an empty grain with the tea columns."""
    store.run_id = "tea-3"
    assert not store.has_results and store.options == {"region": [], "product": []} and store.date_range is None
    assert store.grain.empty
    assert list(store.grain.columns) == ["order_date", "region", "product", "revenue", "quantity", "record_count"]
    assert store.controls("tea-3").empty and store.controls(None).empty


def test_options_and_dates_come_from_the_runs_keys(store: DataStore) -> None:
    """It offers each dimension's values sorted, a missing key as MISSING, and the run's dates."""
    assert store.options == {"region": ["North", "South"], "product": ["Coffee", "Tea", MISSING]}
    assert store.date_range == (dt.date(2024, 3, 1), dt.date(2024, 3, 4))
    assert len(store.grain) == len(tea().grains["tea-2"])


def test_filters_select_the_grain_of_both_runs(store: DataStore) -> None:
    """It narrows both runs' grain to the chosen values (MISSING included) and dates."""
    latest, earlier = tea().grains["tea-2"], tea().grains["tea-1"]
    store.set_filter("region", ["South"])
    assert store.grain["revenue"].sum() == latest.loc[latest["region"] == "South", "revenue"].sum()
    assert store.compare_grain.empty  # the same dates apply: the earlier run's days are all before them
    store.date_range = None
    assert store.compare_grain["revenue"].sum() == earlier.loc[earlier["region"] == "South", "revenue"].sum()
    store.set_filter("product", [MISSING])
    assert store.grain["revenue"].tolist() == [450.0] and store.filters == {"region": ["South"], "product": [MISSING]}
    store.set_filter("product", [])
    store.date_range = (dt.date(2024, 3, 2), dt.date(2024, 3, 4))
    chosen = latest[(latest["region"] == "South") & latest["order_date"].between("2024-03-02", "2024-03-04")]
    assert store.grain["revenue"].sum() == chosen["revenue"].sum()


def test_reset_clears_filters_drill_down_and_search_and_restores_the_dates(store: DataStore) -> None:
    """It selects every row of the run again after a reset."""
    store.param.update(
        filters={"region": ["North"]}, date_range=(dt.date(2024, 3, 2), dt.date(2024, 3, 2)), drill={"rule": "x"}
    )
    store.search = "abc"
    store.reset_filters()
    assert (store.filters, store.drill, store.search) == ({}, {}, "")
    assert store.date_range == (dt.date(2024, 3, 1), dt.date(2024, 3, 4))
    assert len(store.grain) == len(tea().grains["tea-2"])


def test_a_run_change_keeps_only_the_filter_values_the_new_run_has(store: DataStore) -> None:
    """It keeps filter values the new run has, drops the others, and clears drill-down and search."""
    store.set_filter("region", ["North", "South"])
    store.param.update(drill={"category": "X"}, search="tea")
    store.run_id = "tea-1"
    assert store.options["region"] == ["East", "North", "South"] and store.filters == {"region": ["North", "South"]}
    store.set_filter("region", ["East"])
    store.run_id = "tea-2"
    assert store.filters == {} and store.drill == {} and store.search == ""


def test_drill_down_search_and_filters_go_back_to_the_first_page_and_into_the_exception_filter(
    store: DataStore,
) -> None:
    """It goes back to page 1 and filters exceptions by the sidebar, the drill-down (first dimension) and search."""
    store.page = 3
    store.drill = {"value": MISSING}
    assert store.page == 1
    store.page = 2
    store.set_filter("product", ["Tea"])
    store.search = "mars"
    assert store.page == 1
    f = store.exception_filter()
    assert f.values == (("product", ("Tea",)),) and f.value == ("region", MISSING) and f.search == "mars"
    assert f.missing_values == ("",) and store.sidebar_filter().value is None


def test_switching_dataset_reads_its_runs_spec_and_filters(db: FakeDatabase) -> None:
    """It reads the lab assays' runs, dimension, measures and controls, with no leftover filter, and opens them on
    all loaded data (they have two COMPLETED runs)."""
    store = DataStore(FakeReader(db, TEA))
    store.set_filter("region", ["North"])
    store.dataset = LAB
    assert store.run_id == "lab-2" and store.compare_run_id == "lab-1"
    assert store.options == {"site": ["Basel", "Bern", MISSING]} and store.filters == {}
    assert [m.name for m in store.presentation.measures] == ["price", "minutes", "price_per_minute"]
    both = sum(lab().grains[r]["price"].sum() for r in ("lab-1", "lab-2"))
    assert store.scope == ALL_DATA and store.grain["price"].sum() == pytest.approx(both)  # two COMPLETED runs
    store.scope = THIS_FILE
    assert store.grain["price"].sum() == lab().grains["lab-2"]["price"].sum()
    assert store.rules["rule"].tolist() == ["price_is_amount", "site_known", "sample_id_unique"]


def test_reload_refreshes_the_reader_and_finds_a_new_run(db: FakeDatabase, store: DataStore) -> None:
    """It re-reads the run list on a reload and keeps the selection while it exists."""
    added = run("tea-4", "COMPLETED", "2024-03-10 09:00", (5, 5, 0, 0))
    stored = db.datasets[TEA]
    stored.runs = pd.concat([stored.runs, runs(added, dataset=TEA)], ignore_index=True)
    stored.grains["tea-4"] = stored.grains["tea-1"]
    store.run_id = "tea-1"
    store.reload()
    assert ("refresh", TEA) in db.reads and "tea-4" in store.param.run_id.objects.values()
    assert store.run_id == "tea-1"


def test_an_unreachable_or_empty_database_is_a_state_not_an_error(db: FakeDatabase) -> None:
    """It reports an unreachable or empty database as its state, with no dataset selected."""
    db.state = DatabaseState("unreachable", "OperationalError: connection refused")
    store = DataStore(FakeReader(db, TEA))
    assert store.state.kind == "unreachable" and store.dataset is None and store.grain.empty
    empty = DataStore(FakeReader(FakeDatabase({}), TEA))
    assert empty.state == DatabaseState("empty", "no pipeline run is recorded yet")
    db.state = DatabaseState("ok")
    store.reload()
    assert store.state.kind == "ok" and store.dataset == TEA and store.run_id == "tea-2"
