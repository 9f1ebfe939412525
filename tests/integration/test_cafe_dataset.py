"""The public dirty cafe sales file end to end, checked against an independent pandas computation.

The expected findings below are computed here, from the file and the rules as docs/datasets.md
states them, without any pipeline code: what each rule must flag, which rows must be quarantined,
their headline categories, and the clean totals. The pipeline must agree row for row.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from flows.pipeline import run_pipeline
from tests.conftest import ROOT, throwaway_database
from tests.integration.helpers import read_table

pytestmark = pytest.mark.usefixtures("prefect_harness")

CAFE = ROOT / "data" / "samples" / "dirty_cafe_sales.csv"
MISSING = {"", "ERROR", "UNKNOWN"}
MENU = {
    "Coffee": 2.0,
    "Tea": 1.5,
    "Sandwich": 4.0,
    "Salad": 5.0,
    "Cake": 3.0,
    "Cookie": 1.0,
    "Smoothie": 4.0,
    "Juice": 3.0,
}
REQUIRED = ["Transaction ID", "Item", "Quantity", "Price Per Unit", "Total Spent", "Transaction Date"]
OPTIONAL = ["Payment Method", "Location"]
FIELD = {c: c.lower().replace(" ", "_") for c in REQUIRED + OPTIONAL}
# Rule -> (error category, severity), as documented in docs/datasets.md.
CATEGORY = {
    **{f"{FIELD[c]}_not_null": ("MISSING_REQUIRED_FIELD", "error") for c in REQUIRED},
    **{f"{FIELD[c]}_not_null": ("DATA_QUALITY_ISSUE", "warning") for c in OPTIONAL},
    "transaction_id_format": ("DATA_FORMAT_ERROR", "error"),
    "transaction_id_unique": ("DATA_QUALITY_ISSUE", "error"),
    "item_on_menu": ("DATA_QUALITY_ISSUE", "error"),
    "quantity_whole_1_to_5": ("BUSINESS_RULE_VIOLATION", "error"),
    "price_matches_menu": ("BUSINESS_RULE_VIOLATION", "error"),
    "total_spent_is_amount": ("DATA_FORMAT_ERROR", "error"),
    "total_equals_quantity_times_price": ("BUSINESS_RULE_VIOLATION", "error"),
    "payment_method_in_set": ("DATA_QUALITY_ISSUE", "warning"),
    "location_in_set": ("DATA_QUALITY_ISSUE", "warning"),
    "transaction_date_in_2023": ("DATA_FORMAT_ERROR", "error"),
}
PRIORITY = ["MISSING_REQUIRED_FIELD", "DATA_FORMAT_ERROR", "BUSINESS_RULE_VIOLATION", "DATA_QUALITY_ISSUE"]


def expected_failures(path: Path) -> pd.DataFrame:
    """One boolean column per rule: does the file's row (1-based source_row index) fail it?"""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.index = pd.RangeIndex(1, len(df) + 1, name="source_row")
    present = ~df.isin(MISSING)
    failed = pd.DataFrame(index=df.index)
    for column in REQUIRED + OPTIONAL:
        failed[f"{FIELD[column]}_not_null"] = ~present[column]
    tid, item, qty, price, total = (
        df[c] for c in ["Transaction ID", "Item", "Quantity", "Price Per Unit", "Total Spent"]
    )
    failed["transaction_id_format"] = present["Transaction ID"] & ~tid.str.fullmatch(r"TXN_\d{7}")
    failed["transaction_id_unique"] = _duplicates(df, present["Transaction ID"])
    failed["item_on_menu"] = present["Item"] & ~item.isin(list(MENU))
    failed["quantity_whole_1_to_5"] = present["Quantity"] & ~qty.isin(["1", "2", "3", "4", "5"])
    menu_price = item.map({name: f"{value:.1f}" for name, value in MENU.items()})  # as the file writes prices
    failed["price_matches_menu"] = present["Item"] & present["Price Per Unit"] & price.ne(menu_price)
    failed["total_spent_is_amount"] = present["Total Spent"] & ~total.str.fullmatch(r"\d{1,8}(\.\d{1,2})?")
    q, p, t = (pd.to_numeric(s.where(present[s.name]), errors="coerce") for s in (qty, price, total))
    evaluable = q.notna() & p.notna() & t.notna()
    failed["total_equals_quantity_times_price"] = evaluable & ((q * p * 100).round() != (t * 100).round())
    failed["payment_method_in_set"] = present["Payment Method"] & ~df["Payment Method"].isin(
        ["Cash", "Credit Card", "Digital Wallet"]
    )
    failed["location_in_set"] = present["Location"] & ~df["Location"].isin(["In-store", "Takeaway"])
    dates = pd.to_datetime(df["Transaction Date"], format="%Y-%m-%d", errors="coerce")
    real_2023 = dates.dt.year.eq(2023) & df["Transaction Date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}")
    failed["transaction_date_in_2023"] = present["Transaction Date"] & ~real_2023
    return failed.fillna(False).astype(bool)


def expected_clean_rows(path: Path) -> pd.DataFrame:
    """The file's rows (as text, indexed by source_row) that fail no error-severity rule."""
    expected = expected_failures(path)
    errors = [r for r, (_, severity) in CATEGORY.items() if severity == "error"]
    source = pd.read_csv(path, dtype=str, keep_default_na=False)
    source.index = expected.index
    return source[~expected[errors].any(axis=1)]


def _duplicates(df: pd.DataFrame, has_key: pd.Series) -> pd.Series:
    """Later exact copies of a row with the same ID; every row of an ID used with different content."""
    keyed = df[has_key]
    repeated = keyed[keyed["Transaction ID"].duplicated(keep=False)]
    variants = repeated.drop_duplicates().groupby("Transaction ID").size()
    conflicting = repeated["Transaction ID"].map(variants) > 1
    later_copy = repeated.duplicated(keep="first")
    flagged = repeated.index[conflicting | later_copy]
    return pd.Series(df.index.isin(flagged), index=df.index)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def cafe_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """One pipeline run of the committed cafe file on a fresh database: (url, run_id)."""
    folder = tmp_path_factory.mktemp("cafe")
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{folder / 'cafe.db'}"
        else:
            url = stack.enter_context(throwaway_database(str(request.getfixturevalue("postgres_server"))))
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("DATABASE_URL", url)
            patch.setenv("DOCS_DIR", str(folder / "docs"))
            patch.setenv("EXPECTATIONS_DIR", str(ROOT / "expectations"))
            summary = run_pipeline(source=str(CAFE), dataset="dirty_cafe_sales")
        assert summary.status == "COMPLETED", summary
        yield url, summary.run_id


def _by_source_row(url: str, run_id: str, table: str, id_column: str) -> pd.DataFrame:
    raw = read_table(url, "raw_dirty_cafe_sales", run_id).set_index("id")["source_row"]
    rows = read_table(url, table, run_id)
    return rows.assign(source_row=rows[id_column].astype("int64").map(raw))


def test_every_row_lands_in_exactly_one_place(cafe_run: tuple[str, str]) -> None:
    """All 10,002 rows are stored raw, and each is either clean or quarantined, never both or neither."""
    url, run_id = cafe_run
    raw = read_table(url, "raw_dirty_cafe_sales", run_id)
    clean = read_table(url, "clean_dirty_cafe_sales", run_id)
    exceptions = read_table(url, "exceptions", run_id)
    assert len(raw) == 10_002 == len(clean) + len(exceptions)
    assert set(clean["record_id"]).isdisjoint(set(exceptions["original_record_id"]))
    assert set(clean["record_id"]) | set(exceptions["original_record_id"]) == set(raw["id"])
    assert set(raw["dataset"]) == set(clean["dataset"]) == set(exceptions["dataset"]) == {"dirty_cafe_sales"}


def test_each_rule_flags_exactly_the_rows_the_independent_computation_flags(cafe_run: tuple[str, str]) -> None:
    """Per rule, the set of flagged file rows equals the pandas computation's, with its category and severity."""
    url, run_id = cafe_run
    expected = expected_failures(CAFE)
    findings = _by_source_row(url, run_id, "validation_results", "record_id").dropna(subset=["record_id"])
    got = {rule: set(group["source_row"]) for rule, group in findings.groupby("rule_name")}
    for rule in expected.columns:
        want = set(expected.index[expected[rule]])
        assert got.get(rule, set()) == want, f"{rule}: {len(got.get(rule, set()))} flagged, {len(want)} expected"
    assert set(got) <= set(expected.columns)
    labels = findings.groupby("rule_name")[["error_category", "severity"]].first()
    for rule, (category, severity) in CATEGORY.items():
        if rule in labels.index:
            assert tuple(labels.loc[rule]) == (category, severity), rule


def test_quarantine_and_headline_categories_match(cafe_run: tuple[str, str]) -> None:
    """Rows failing any error rule are quarantined, under the most fundamental category; the counts agree."""
    url, run_id = cafe_run
    expected = expected_failures(CAFE)
    errors = [r for r, (_, severity) in CATEGORY.items() if severity == "error"]
    quarantined = expected[errors].any(axis=1)
    rank = pd.DataFrame(
        {r: expected[r].map({True: PRIORITY.index(CATEGORY[r][0]), False: len(PRIORITY)}) for r in errors}
    ).min(axis=1)
    want = rank[quarantined].map(dict(enumerate(PRIORITY))).value_counts().sort_index()
    exceptions = _by_source_row(url, run_id, "exceptions", "original_record_id")
    assert set(exceptions["source_row"]) == set(expected.index[quarantined])
    got = exceptions["error_category"].value_counts().sort_index()
    assert got.to_dict() == want.to_dict()
    assert int(quarantined.sum()) > 2_000  # the file is meant to be dirty: a rule that never fires would show here
    errors_per_row = expected[errors].sum(axis=1)[quarantined]
    assert exceptions.set_index("source_row")["error_count"].sort_index().tolist() == errors_per_row.tolist()


def test_clean_rows_are_typed_with_unknowns_as_null(cafe_run: tuple[str, str]) -> None:
    """Clean rows carry typed values; a warned-about payment method or location is null, not 'UNKNOWN'."""
    url, run_id = cafe_run
    kept = expected_clean_rows(CAFE)
    clean = _by_source_row(url, run_id, "clean_dirty_cafe_sales", "record_id").set_index("source_row").sort_index()
    assert clean.index.tolist() == kept.index.tolist()
    assert clean["quantity"].astype(int).tolist() == kept["Quantity"].astype(int).tolist()
    assert round(clean["total_spent"].astype(float).sum(), 2) == round(kept["Total Spent"].astype(float).sum(), 2)
    for column in OPTIONAL:
        unknown = kept[column].isin(MISSING)
        assert unknown.any()
        assert clean.loc[unknown, FIELD[column]].isna().all()
        assert clean.loc[~unknown, FIELD[column]].tolist() == kept.loc[~unknown, column].tolist()


def test_analytics_match_a_pandas_groupby_of_the_clean_rows(cafe_run: tuple[str, str]) -> None:
    """Total spent per item and per location (missing location as its own null key) match pandas."""
    url, run_id = cafe_run
    kept = expected_clean_rows(CAFE).assign(spent=lambda f: f["Total Spent"].astype(float))
    summary = read_table(url, "analytics_summary", run_id)
    spent = summary[summary["measure"] == "total_spent"]
    by_item = spent[spent["breakdown"] == "item"].set_index("key_1")["value"].astype(float).round(2)
    assert by_item.to_dict() == kept.groupby("Item")["spent"].sum().round(2).to_dict()
    by_location = spent[spent["breakdown"] == "location"]
    location = kept["Location"].where(~kept["Location"].isin(MISSING))
    want = kept.groupby(location.fillna("<null>"))["spent"].sum().round(2).to_dict()
    got = dict(zip(by_location["key_1"].fillna("<null>"), by_location["value"].astype(float).round(2), strict=True))
    assert got == want


def test_run_and_audit_trail_name_the_dataset(cafe_run: tuple[str, str]) -> None:
    """The run row, its audit events and its findings all say dirty_cafe_sales; the run reconciled."""
    url, run_id = cafe_run
    run = read_table(url, "pipeline_runs", run_id).iloc[0]
    assert (run["dataset"], run["suite_name"], run["status"], bool(run["reconciled"])) == (
        "dirty_cafe_sales",
        "cafe_transactions",
        "COMPLETED",
        True,
    )
    for table in ("audit_log", "validation_results", "analytics_summary"):
        assert set(read_table(url, table, run_id)["dataset"]) == {"dirty_cafe_sales"}, table
