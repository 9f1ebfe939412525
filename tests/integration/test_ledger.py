"""The ledger across files (issue 15), through the real flow on SQLite and PostgreSQL: three generated daily files
with known resends and changes, checked against the generator's answer key and a pandas oracle."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from flows.generate import DefectRates
from flows.generate.days import DailyFile, Overlap, expected_ledger, generate_days, write_days
from flows.ledger import main as ledger_main
from flows.pipeline import run_pipeline
from tests.factories import EXPECTATIONS_DIR, write_csv
from tests.integration.helpers import read_table, scalar
from tests.integration.test_cafe_dataset import CAFE

pytestmark = pytest.mark.usefixtures("prefect_harness")
RULE = "order_id_not_in_ledger"
DAYS = generate_days(3, 1200, seed=11)


def use_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, policy: str) -> None:
    """The repo's specs, with the sales spec's key_conflict set to `policy`."""
    folder = tmp_path / "expectations"
    shutil.copytree(EXPECTATIONS_DIR, folder)
    spec = folder / "sales.yaml"
    spec.write_text(spec.read_text(encoding="utf-8") + f"\nkey_conflict: {policy}\n", encoding="utf-8")
    monkeypatch.setenv("EXPECTATIONS_DIR", str(folder))


def load_days(tmp_path: Path, days: list[DailyFile]) -> list[str]:
    """Write and load the daily files in order; the runs' ids."""
    paths = write_days(days, tmp_path, 11, DefectRates(), Overlap())
    summaries = [run_pipeline(source=str(p)) for p in paths]
    assert [s.status for s in summaries] == ["COMPLETED"] * len(paths)
    return [s.run_id for s in summaries]


def record_ids(url: str, run_id: str) -> pd.Series:
    """The run's record id of each 1-based file row."""
    raw = read_table(url, "raw_sales", run_id)
    return raw.set_index("source_row")["id"].astype(int)


def current(url: str) -> pd.DataFrame:
    """The current ledger, as a user's SQL reads it."""
    return pd.DataFrame(scalar_rows(url, "SELECT order_id, region, revenue FROM current_clean_sales"))


def scalar_rows(url: str, sql: str) -> list[tuple[object, ...]]:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()


@pytest.mark.parametrize("policy", ["quarantine", "supersede"])
def test_three_daily_files_add_up_to_one_ledger(
    pipeline_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, policy: str
) -> None:
    """Resends are quarantined naming the earlier run and row; changes are exceptions (quarantine) or replace the
    earlier row with lineage both ways (supersede); the current view and ledger_summary equal the oracle."""
    use_policy(tmp_path, monkeypatch, policy)
    url, runs = pipeline_env, load_days(tmp_path, DAYS)
    ids = [record_ids(url, r) for r in runs]
    clean = read_table(url, "clean_sales").set_index("record_id")
    for day, run_id in zip(DAYS[1:], runs[1:], strict=True):
        findings = read_table(url, "validation_results", run_id)
        ledger = findings[findings["rule_name"] == RULE].set_index("record_id")["details"]
        mine = ids[day.day - 1]
        resent = [e for e in day.ledger_key if e.kind == "resent"]
        changed = [e for e in day.ledger_key if e.kind == "changed"]
        for entry in resent:
            details = ledger[mine[entry.row]]
            assert details.startswith("resent: ")
            assert f"run {runs[entry.day - 1]}" in details and f"(row {entry.row_in_day}," in details
        exceptions = set(read_table(url, "exceptions", run_id)["original_record_id"].astype(int))
        assert {mine[e.row] for e in resent} <= exceptions
        for entry in changed:
            new, old = mine[entry.row], ids[entry.day - 1][entry.row_in_day]
            if policy == "quarantine":
                assert ledger[new].startswith("conflicts with the ledger: ") and new in exceptions
                assert pd.isna(clean.loc[old, "superseded_by_record_id"])
            else:
                assert new not in ledger.index and new not in exceptions
                assert clean.loc[new, "supersedes_record_id"] == old
                assert clean.loc[old, "superseded_by_record_id"] == new
                assert clean.loc[old, "superseded_in_run_id"] == run_id
        assert set(ledger.index) == {mine[e.row] for e in resent + (changed if policy == "quarantine" else [])}

    expected = expected_ledger(DAYS, policy)
    got = current(url)
    got.columns = ["order_id", "region", "revenue"]
    assert sorted(got["order_id"]) == expected["order_id"].tolist()
    assert sum(Decimal(str(v)).quantize(Decimal("0.01")) for v in got["revenue"]) == sum(
        Decimal(v) for v in expected["revenue"]
    )
    summary = read_table(url, "ledger_summary")
    by_region = summary[(summary["breakdown"] == "region") & (summary["measure"] == "revenue")]
    oracle = expected.assign(revenue=expected["revenue"].map(Decimal)).groupby("region")["revenue"].sum()
    stored = {
        k: Decimal(str(v)).quantize(Decimal("0.01"))
        for k, v in zip(by_region["key_1"], by_region["value"], strict=True)
    }
    assert stored == oracle.to_dict()
    total = summary[(summary["breakdown"] == "total") & (summary["measure"] == "record_count")]["value"]
    assert int(float(total.iloc[0])) == len(expected)
    assert ledger_main(["check"]) == 0  # per run: current = loaded + promoted - superseded; totals agree


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the three-day test covers both databases
def test_a_file_resent_under_another_name_is_quarantined_row_by_row(
    pipeline_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same rows under a new name, in another order: every row the first load kept is a resend, and the
    ledger does not move. (The incoming folder still skips a file whose exact bytes it loaded: test_incoming.)"""
    url = pipeline_env
    first = load_days(tmp_path, DAYS[:1])[0]
    before = read_table(url, "ledger_summary").sort_values(["breakdown", "key_1", "key_2", "key_3", "measure"])
    renamed = tmp_path / "resent_monday.csv"
    text = pd.read_csv(tmp_path / "sales_day_01.csv", dtype=str, keep_default_na=False)
    text.iloc[::-1].to_csv(renamed, index=False)  # the same rows in another order: other bytes
    again = run_pipeline(source=str(renamed))
    assert again.status == "COMPLETED" and again.clean_count == 0
    kept_keys = set(read_table(url, "clean_sales", first)["order_id"])
    kept = int(text["order_id"].isin(kept_keys).sum())  # every copy of a kept order: a file's duplicates too
    resent = scalar(
        url, "SELECT COUNT(*) FROM validation_results WHERE run_id = :r AND rule_name = :n", r=again.run_id, n=RULE
    )
    assert int(resent) == kept
    after = read_table(url, "ledger_summary").sort_values(["breakdown", "key_1", "key_2", "key_3", "measure"])
    assert after.drop(columns="id").reset_index(drop=True).equals(before.drop(columns="id").reset_index(drop=True))


def test_the_cafe_dataset_through_two_overlapping_files(pipeline_env: str, tmp_path: Path) -> None:
    """Another dataset, no code change: two files sharing 1,000 cafe transactions end with the same current ledger
    as the 4,000 transactions loaded once (elsewhere); the shared ones the first file kept are resends."""
    cafe = pd.read_csv(CAFE, dtype=str, keep_default_na=False).iloc[:4000]
    first, second, whole = tmp_path / "cafe_a.csv", tmp_path / "cafe_b.csv", tmp_path / "cafe_all.csv"
    cafe.iloc[:2500].to_csv(first, index=False)
    cafe.iloc[1500:].to_csv(second, index=False)
    cafe.to_csv(whole, index=False)
    runs = [run_pipeline(source=str(p), dataset="dirty_cafe_sales") for p in (first, second)]
    assert [r.status for r in runs] == ["COMPLETED", "COMPLETED"]
    url, key = pipeline_env, "transaction_id"
    kept_first = set(read_table(url, "clean_dirty_cafe_sales", runs[0].run_id)[key])
    shared = set(cafe.iloc[1500:2500]["Transaction ID"])
    assert runs[1].exceptions_by_category.get("ALREADY_LOADED") == len(kept_first & shared)
    ledger = read_table(url, "current_clean_dirty_cafe_sales")

    monkey_url = f"sqlite:///{tmp_path / 'whole.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", monkey_url)
        once = run_pipeline(source=str(whole), dataset="dirty_cafe_sales")
    alone = read_table(monkey_url, "clean_dirty_cafe_sales", once.run_id)
    assert sorted(ledger[key]) == sorted(alone[key])
    total = "total_spent"
    assert sum(Decimal(str(v)) for v in ledger[total].dropna()) == sum(Decimal(str(v)) for v in alone[total].dropna())


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_later_loaded_wins_under_supersede_and_a_correction_file_replaces_only_its_orders(
    pipeline_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files out of date order: under supersede, the file loaded last wins, whatever its dates (day 1 after day 2
    puts day 1's versions of the changed orders back). A correction file holding three changed orders replaces
    exactly those three rows; the ledger's aggregates follow."""
    use_policy(tmp_path, monkeypatch, "supersede")
    url = pipeline_env
    paths = write_days(DAYS[:2], tmp_path, 11, DefectRates(), Overlap())
    runs = [run_pipeline(source=str(p)).run_id for p in reversed(paths)]  # day 2, then day 1
    day1 = DAYS[0].frame.set_index("order_id")
    current_rows = read_table(url, "current_clean_sales").set_index("order_id")
    for entry in (e for e in DAYS[1].ledger_key if e.kind == "changed"):
        order = DAYS[1].frame.iloc[entry.row - 1]["order_id"]
        assert str(current_rows.loc[order, "quantity"]) == day1.loc[order, "quantity"]
        assert current_rows.loc[order, "run_id"] == runs[1]

    corrected = current_rows.head(3).reset_index()[["order_id", "order_date", "region", "product", "quantity"]]
    corrected = corrected.assign(revenue=["1.00", "2.00", "3.00"], quantity=corrected["quantity"].astype(str))
    corrected["order_date"] = pd.to_datetime(corrected["order_date"]).dt.strftime("%Y-%m-%d")
    correction = run_pipeline(source=str(write_csv(tmp_path / "corrections_day_01.csv", corrected)))
    assert correction.clean_count == 3 and correction.exception_count == 0
    superseded = int(
        scalar(url, "SELECT COUNT(*) FROM clean_sales WHERE superseded_in_run_id = :r", r=correction.run_id)
    )
    assert superseded == 3
    after = read_table(url, "current_clean_sales")
    assert len(after) == len(current_rows)
    summary = read_table(url, "ledger_summary")
    total = summary[(summary["breakdown"] == "total") & (summary["measure"] == "revenue")]["value"].iloc[0]
    assert Decimal(str(total)).quantize(Decimal("0.01")) == sum(
        Decimal(str(v)).quantize(Decimal("0.01")) for v in after["revenue"]
    )
