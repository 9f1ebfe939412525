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
from flows.pipeline import run_pipeline
from tests.factories import EXPECTATIONS_DIR
from tests.integration.helpers import read_table, scalar

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
    stored = {k: Decimal(str(v)).quantize(Decimal("0.01")) for k, v in zip(by_region["key_1"], by_region["value"])}
    assert stored == oracle.to_dict()
    total = summary[(summary["breakdown"] == "total") & (summary["measure"] == "record_count")]["value"]
    assert int(float(total.iloc[0])) == len(expected)


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
