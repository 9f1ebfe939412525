"""The exception lifecycle beyond one fix: waive, reopen (the promoted row leaves the clean table), a stale
status, and the cafe dataset's corrections going through its own suite with no code change."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from flows.constants import ExceptionStatus
from flows.exceptions import main
from flows.pipeline import run_pipeline
from flows.storage.engine import get_engine
from flows.storage.exceptions import StaleException
from flows.storage.uow import SqlUnitOfWork
from tests.conftest import ROOT
from tests.factories import make_frame, write_csv
from tests.integration.helpers import read_table, scalar

pytestmark = pytest.mark.usefixtures("prefect_harness")
CAFE = ROOT / "data" / "samples" / "dirty_cafe_sales.csv"


def _total(url: str, run_id: str, measure: str) -> Decimal:
    value = scalar(
        url,
        "SELECT value FROM analytics_summary WHERE run_id = :r AND breakdown = 'total' AND measure = :m",
        r=run_id,
        m=measure,
    )
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _apply(path: Path, template: pd.DataFrame, actions: dict[int, tuple[str, str]]) -> pd.DataFrame:
    filled = template.copy()
    for i, (action, note) in actions.items():
        filled.loc[i, ["action", "note"]] = [action, note]
    filled.to_csv(path, index=False)
    return filled


def test_a_waived_refund_is_promoted_then_reopened_out_of_the_clean_table(
    pipeline_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It promotes a waived negative revenue into the analytics; reopening removes the row and restores them."""
    url = pipeline_env
    frame = make_frame(5, rows=[{"revenue": "-360.00"}])
    run_id = run_pipeline(source=str(write_csv(tmp_path / "s.csv", frame))).run_id
    before = _total(url, run_id, "revenue")
    assert main(["export", "--run", run_id, "--out", str(tmp_path / "t.csv")]) == 0
    template = pd.read_csv(tmp_path / "t.csv", dtype=str, keep_default_na=False)
    assert template["revenue"].tolist() == ["-360.00"]  # the value as received

    with get_engine(url).begin() as conn:  # as if the suite had changed since the run
        conn.exec_driver_sql(f"UPDATE pipeline_runs SET suite_version = 'v-old' WHERE run_id = '{run_id}'")
    _apply(tmp_path / "waive.csv", template, {0: ("waive", "refund of order ORD-0000001")})
    assert main(["apply", str(tmp_path / "waive.csv"), "--user", "ravi"]) == 0
    out = capsys.readouterr().out
    assert "promoted 1" in out and f"run {run_id} was loaded with suite version v-old" in out
    assert _total(url, run_id, "revenue") == before - Decimal("360.00")
    clean = read_table(url, "clean_sales", run_id)
    assert clean["promoted_from_exception_id"].notna().sum() == 1

    _apply(tmp_path / "reopen.csv", template, {0: ("reopen", "the refund was reversed")})
    assert main(["apply", str(tmp_path / "reopen.csv"), "--user", "ravi"]) == 0
    assert "reopened 1" in capsys.readouterr().out
    assert _total(url, run_id, "revenue") == before
    assert read_table(url, "clean_sales", run_id)["promoted_from_exception_id"].notna().sum() == 0
    events = read_table(url, "exception_events")
    assert events[["action", "status_after", "user_name"]].values.tolist() == [
        ["waive", "PROMOTED", "ravi"],
        ["reopen", "OPEN", "ravi"],
    ]
    assert scalar(url, "SELECT status FROM exceptions") == "OPEN"


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_a_status_changed_by_someone_else_first_is_refused(
    pipeline_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exceptions of a run still loading are refused; the second steward to move the same exception is told it
    changed, and the first one's change stands."""
    frame = make_frame(2, rows=[{"region": "north"}])
    run_id = run_pipeline(source=str(write_csv(tmp_path / "s.csv", frame))).run_id
    exception_id = int(scalar(pipeline_env, "SELECT id FROM exceptions"))  # type: ignore[arg-type]
    engine = get_engine(pipeline_env)
    with engine.begin() as conn:  # as if the run were still loading
        conn.exec_driver_sql(f"UPDATE pipeline_runs SET status = 'RUNNING' WHERE run_id = '{run_id}'")
    early = pd.DataFrame({"exception_id": [str(exception_id)], "action": ["dismiss"], "note": ["too early"]})
    early.to_csv(tmp_path / "early.csv", index=False)
    assert main(["apply", str(tmp_path / "early.csv"), "--user", "ravi"]) == 0
    assert "which is not COMPLETED" in capsys.readouterr().out
    assert scalar(pipeline_env, "SELECT COUNT(*) FROM exception_events") == 0
    with SqlUnitOfWork(engine) as first:
        first.exceptions.set_status(exception_id, ExceptionStatus.OPEN, ExceptionStatus.DISMISSED)
    with pytest.raises(StaleException, match="someone else"), SqlUnitOfWork(engine) as second:
        second.exceptions.set_status(exception_id, ExceptionStatus.OPEN, ExceptionStatus.PROMOTED)
    assert scalar(pipeline_env, "SELECT status FROM exceptions") == "DISMISSED"


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_cafe_corrections_go_through_the_cafe_suite(
    pipeline_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing cafe item, corrected from its menu price, is re-validated by the cafe suite and promoted
    when nothing else is wrong; a waiver is refused (no cafe rule is waivable)."""
    source = tmp_path / "cafe.csv"
    source.write_text("".join(CAFE.read_text(encoding="utf-8").splitlines(keepends=True)[:201]), encoding="utf-8")
    run_id = run_pipeline(source=str(source), dataset="dirty_cafe_sales").run_id
    assert main(["export", "--run", run_id, "--out", str(tmp_path / "t.csv")]) == 0
    template = pd.read_csv(tmp_path / "t.csv", dtype=str, keep_default_na=False)
    by_price = {"2.0": "Coffee", "1.5": "Tea", "5.0": "Salad", "1.0": "Cookie"}
    fixable = template.index[
        template["item"].isin(["", "ERROR", "UNKNOWN"]) & template["price_per_unit"].isin(by_price)
    ]
    assert len(fixable) >= 2
    filled = template.copy()
    for i in fixable:
        filled.loc[i, ["action", "note", "item"]] = [
            "correct",
            "item from the menu price",
            by_price[template.loc[i, "price_per_unit"]],
        ]
    other = template.index.difference(fixable)[0]
    filled.loc[other, ["action", "note"]] = ["waive", "accept as is"]
    filled.to_csv(tmp_path / "c.csv", index=False)
    assert main(["apply", str(tmp_path / "c.csv"), "--user", "mei"]) == 0
    out = capsys.readouterr().out
    assert "is not waivable" in out
    promoted = read_table(pipeline_env, "clean_dirty_cafe_sales", run_id).dropna(subset=["promoted_from_exception_id"])
    events = read_table(pipeline_env, "exception_events")
    assert len(events) == len(fixable) and set(events["suite_name"]) == {"cafe_transactions"}
    assert len(promoted) == (events["status_after"] == "PROMOTED").sum() >= 1
    assert f"promoted {len(promoted)}, still open {len(fixable) - len(promoted)}" in out
    by_id = template.set_index(template["exception_id"].astype(int))
    for _, row in promoted.iterrows():
        assert row["item"] == by_price[by_id.loc[int(row["promoted_from_exception_id"]), "price_per_unit"]]
