"""Exceptions cards over the fake reader: counts by category, rule and raw value, drill-down, rows, CSV, comparison."""

from __future__ import annotations

import csv
import io

import pandas as pd

from flows.constants import MISSING
from panel_app.data_store import DataStore
from panel_app.views import exceptions
from tests.unit.dashboard.frames import rows_by
from tests.unit.dashboard.results import HOSTILE_REGION, tea


def stored(run_id: str = "tea-2") -> pd.DataFrame:
    """A tea run's quarantined rows as the fake stores them."""
    return tea().exceptions[run_id]


def counts(card: exceptions.ExceptionBreakdown) -> dict[str, int]:
    """A breakdown's counts by key."""
    frame = card.counts()
    return dict(zip(frame["key"], frame["records"], strict=True))


def test_counts_by_category_rule_and_raw_value_equal_the_stored_rows(store: DataStore) -> None:
    """It counts categories, failed error rules (not warnings) and regions as received (empty = MISSING)."""
    rows = stored()
    by_category = exceptions.ExceptionBreakdown(store=store, dimension="category")
    assert counts(by_category) == rows["error_category"].value_counts().to_dict()
    by_rule = exceptions.ExceptionBreakdown(store=store, dimension="rule")
    assert counts(by_rule) == {"revenue_positive": 28, "region_not_null": 1, "region_in_set": 2, "revenue_is_amount": 1}
    by_region = exceptions.ExceptionBreakdown(store=store, dimension="value")
    assert counts(by_region) == rows["region"].replace("", MISSING).value_counts().to_dict()
    figure = by_region.figure().data[0]
    assert "&lt;b&gt;Mars&lt;/b&gt;" in figure.y and "<b>Mars</b>" in figure.customdata


def test_the_sidebar_filters_apply_to_the_values_as_received(store: DataStore) -> None:
    """It counts only the South rows once South is chosen."""
    store.set_filter("region", ["South"])
    by_category = exceptions.ExceptionBreakdown(store=store, dimension="category")
    south = stored()[stored()["region"] == "South"]
    assert counts(by_category) == south["error_category"].value_counts().to_dict()


def test_a_click_on_a_bar_lists_its_rows_a_page_at_a_time(store: DataStore) -> None:
    """It lists a clicked bar's 28 rows, 25 on the first page and 3 on the second, and says which are shown."""
    by_category = exceptions.ExceptionBreakdown(store=store, dimension="category")
    by_category.pane.click_data = {"points": [{"customdata": "BUSINESS_RULE_VIOLATION"}]}
    table = exceptions.ExceptionTable(store=store)
    assert store.drill == {"category": "BUSINESS_RULE_VIOLATION"} and table.total() == 28
    first = table.rows()
    assert len(first) == 25 and set(first["category"]) == {"BUSINESS_RULE_VIOLATION"}
    assert "rows 1–25 of 28" in table.status() and "<b>BUSINESS_RULE_VIOLATION</b>" in table.status()
    table.next.clicks += 1
    table.next.clicks += 1
    assert store.page == 2 and len(table.rows()) == 3 and not set(table.rows()["row"]) & set(first["row"])
    table.previous.clicks += 1
    assert store.page == 1
    table.clear.clicks += 1
    assert store.drill == {} and table.total() == 32


def test_the_rows_show_every_reason_and_the_fields_as_received(store: DataStore) -> None:
    """It shows the reasons and the tea fields as received, finds rows by search and by a missing region."""
    table = exceptions.ExceptionTable(store=store)
    rows = table.rows()
    assert list(rows.columns) == [
        *("row", "exception", "status", "open for", "reasons"),
        *("order_id", "order_date", "region", "product", "quantity", "revenue", "category", "record_id"),
    ]
    assert set(rows["status"]) == {"open"} and rows["open for"].str.fullmatch(r"\d+ (d|h|min)|< 1 min").all()
    store.search = "chai"
    assert table.rows()["reasons"].tolist() == ["revenue_is_amount; product_known (warning)"]
    store.search = ""
    store.drill = {"value": MISSING}
    assert table.rows()["row"].tolist() == [3] and "region as received = <b>(missing)</b>" in table.status()


def test_the_csv_export_has_every_matching_row_and_neutralises_formulas(store: DataStore) -> None:
    """It exports all 32 rows with their findings, formula cells neutralised and negative amounts intact."""
    download = exceptions.ExceptionTable(store=store).data.download.callback
    assert download is not None
    exported = list(csv.DictReader(io.StringIO(download().getvalue())))
    assert len(exported) == len(stored())
    hostile = next(r for r in exported if "HYPERLINK" in r["region"])
    assert hostile["region"] == "'" + HOSTILE_REGION and hostile["order_id"] == "'=1+2"
    assert {r["revenue"] for r in exported} >= {"-1.00", "abc"} and "error_details" in exported[0]


def test_the_comparison_counts_both_runs_per_category_and_rule(store: DataStore) -> None:
    """It counts this run and the comparison run per category and per failed control, with the change."""
    table = rows_by(exceptions.ExceptionComparison(store=store).frame(), "by", "key")
    mine = stored()["error_category"].value_counts().to_dict()
    theirs = stored("tea-1")["error_category"].value_counts().to_dict()
    for category in mine.keys() | theirs.keys():
        row = table[("category", category)]
        assert [row["this_run"], row["comparison_run"]] == [mine.get(category, 0), theirs.get(category, 0)]
    assert table[("rule", "region_not_null")]["change"] == 1 - 4
    store.compare_run_id = ""
    assert exceptions.ExceptionComparison(store=store).frame().empty
