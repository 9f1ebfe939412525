"""Stewards and the ledger (issue 15): a conflict with the ledger is waived to accept the new row (the earlier one
is superseded) or dismissed to keep the old; a resend cannot be waived; a reopening makes the earlier row current
again. After every step, ledger_summary equals SQL over the current view."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from flows.ledger import main as ledger_main
from flows.pipeline import run_pipeline
from flows.storage.engine import normalize_url
from tests.factories import make_frame, make_row, write_csv
from tests.integration.helpers import read_table
from tests.integration.stewarding import apply_actions, export_template

pytestmark = pytest.mark.usefixtures("prefect_harness")
CENT = Decimal("0.01")


def ledger_figures(url: str) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """Revenue and record count per region from ledger_summary, and the same recomputed over the current view."""
    summary = read_table(url, "ledger_summary")
    region = summary[summary["breakdown"] == "region"]
    stored = {
        f"{k} {m}": Decimal(str(v)).quantize(CENT)
        for k, m, v in zip(region["key_1"], region["measure"], region["value"], strict=True)
        if m in ("revenue", "record_count")
    }
    clean = read_table(url, "current_clean_sales")
    computed = {}
    for key, rows in clean.groupby("region"):
        computed[f"{key} revenue"] = sum((Decimal(str(v)).quantize(CENT) for v in rows["revenue"]), Decimal(0))
        computed[f"{key} record_count"] = Decimal(len(rows)).quantize(CENT)
    return stored, computed


def test_stewards_resolve_conflicts_with_the_ledger(pipeline_env: str, tmp_path: Path) -> None:
    url = pipeline_env
    first = run_pipeline(source=str(write_csv(tmp_path / "monday.csv", make_frame(3)))).run_id
    later = pd.DataFrame(
        [
            make_row(order_id="ORD-0000001"),  # resent as is
            make_row(order_id="ORD-0000002", revenue="999.00", region="South"),  # the same order, other content
            make_row(order_id="ORD-0000004"),  # new
        ]
    )
    second = run_pipeline(source=str(write_csv(tmp_path / "tuesday.csv", later)))
    assert second.clean_count == 1 and second.exceptions_by_category == {"ALREADY_LOADED": 2}
    stored, computed = ledger_figures(url)
    assert stored == computed and stored["North record_count"] == 4

    template = export_template(tmp_path, second.run_id)
    apply_actions(
        tmp_path,
        "accept.csv",
        template,
        {
            "ORD-0000002": {"action": "waive", "note": "Tuesday's price is right"},
            "ORD-0000001": {"action": "waive", "note": "try to count it twice"},
        },
    )
    statuses = dict(zip(template["order_id"], read_statuses(url, second.run_id, template), strict=True))
    assert statuses == {"ORD-0000001": "OPEN", "ORD-0000002": "PROMOTED"}  # a resend's waiver is refused
    clean = read_table(url, "clean_sales").set_index("record_id")
    old = clean[(clean["run_id"] == first) & (clean["order_id"] == "ORD-0000002")].iloc[0]
    new = clean[(clean["run_id"] == second.run_id) & (clean["order_id"] == "ORD-0000002")]
    assert len(new) == 1 and new["supersedes_record_id"].iloc[0] == old.name
    assert old["superseded_by_record_id"] == new.index[0] and old["superseded_in_run_id"] != first
    current = read_table(url, "current_clean_sales")
    assert sorted(current["order_id"]) == ["ORD-0000001", "ORD-0000002", "ORD-0000003", "ORD-0000004"]
    assert Decimal(str(current.set_index("order_id").loc["ORD-0000002", "revenue"])) == Decimal("999.00")
    stored, computed = ledger_figures(url)
    assert stored == computed and stored["South revenue"] == Decimal("999.00")

    apply_actions(tmp_path, "undo.csv", template, {"ORD-0000002": {"action": "reopen", "note": "check it again"}})
    current = read_table(url, "current_clean_sales")
    assert sorted(current["order_id"]) == ["ORD-0000001", "ORD-0000002", "ORD-0000003", "ORD-0000004"]
    assert Decimal(str(current.set_index("order_id").loc["ORD-0000002", "revenue"])) == Decimal("360.00")
    stored, computed = ledger_figures(url)
    assert stored == computed and "South revenue" not in stored

    apply_actions(
        tmp_path,
        "keep.csv",
        template,
        {
            "ORD-0000002": {"action": "dismiss", "note": "Monday's price stands"},
            "ORD-0000001": {"action": "dismiss", "note": "a resend"},
        },
    )
    assert read_statuses(url, second.run_id, template) == ["DISMISSED", "DISMISSED"]
    assert ledger_figures(url)[0] == ledger_figures(url)[1]
    assert ledger_main(["check"]) == 0
    with sa.create_engine(normalize_url(url)).begin() as conn:  # an aggregate off by one rupee is caught
        conn.execute(
            sa.text("UPDATE ledger_summary SET value = value + 1 WHERE breakdown = 'total' AND measure = 'revenue'")
        )
    assert ledger_main(["check"]) == 1


def read_statuses(url: str, run_id: str, template: pd.DataFrame) -> list[str]:
    """The status of each exception of the template, in its order."""
    exceptions = read_table(url, "exceptions", run_id).set_index("id")
    return [str(exceptions.loc[int(i), "status"]) for i in template["exception_id"]]


def test_under_supersede_a_corrected_row_replaces_the_ledger_row_it_repeats(
    pipeline_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A later file's row that fails another rule is an exception; once corrected, it is checked against the ledger
    like a file's row, and under supersede it replaces the earlier row, with lineage and the aggregates adjusted."""
    from tests.integration.test_ledger import use_policy

    use_policy(tmp_path, monkeypatch, "supersede")
    url = pipeline_env
    first = run_pipeline(source=str(write_csv(tmp_path / "monday.csv", make_frame(3)))).run_id
    later = pd.DataFrame([make_row(order_id="ORD-0000002", revenue="-500.00", region="East")])
    second = run_pipeline(source=str(write_csv(tmp_path / "tuesday.csv", later)))
    assert second.exceptions_by_category == {"BUSINESS_RULE_VIOLATION": 1}
    template = export_template(tmp_path, second.run_id)
    apply_actions(
        tmp_path, "fix.csv", template, {"ORD-0000002": {"action": "correct", "note": "sign", "revenue": "500.00"}}
    )
    clean = read_table(url, "clean_sales").set_index("record_id")
    old = clean[(clean["run_id"] == first) & (clean["order_id"] == "ORD-0000002")].iloc[0]
    new = clean[(clean["run_id"] == second.run_id) & (clean["order_id"] == "ORD-0000002")]
    assert len(new) == 1 and new["supersedes_record_id"].iloc[0] == old.name
    assert old["superseded_by_record_id"] == new.index[0]
    current = read_table(url, "current_clean_sales").set_index("order_id")
    assert len(current) == 3 and current.loc["ORD-0000002", "region"] == "East"
    stored, computed = ledger_figures(url)
    assert stored == computed and stored["East revenue"] == Decimal("500.00")
    assert ledger_main(["check"]) == 0
