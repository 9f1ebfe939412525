"""Tests for reading a corrections file: refused lines and their reasons, corrected values, record states."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from flows.constants import StewardAction
from flows.dataset import DatasetSpec
from flows.stages.analytics import summarize
from flows.stages.corrections import (
    corrected_values,
    header_problem,
    read_lines,
    record_states_problems,
    stored_as_typed,
    template,
)
from flows.stages.transform import type_clean_rows
from flows.suite import SpecError, load_suite
from tests.factories import EXPECTATIONS_DIR, make_frame


def _file(*rows: dict[str, str]) -> pd.DataFrame:
    columns = ["exception_id", "action", "note", "order_id", "region", "colour"]
    return pd.DataFrame([{c: r.get(c, "") for c in columns} for r in rows], columns=columns, dtype=str)


def test_it_reads_actions_and_skips_lines_without_one(spec: DatasetSpec) -> None:
    """It turns each line with an action into a Line (numbered as in the file) and ignores blank actions."""
    lines, refused = read_lines(
        _file({"exception_id": "7", "action": "Correct", "note": "fixed", "region": "North"}, {"exception_id": "8"}),
        spec,
    )
    assert refused == []
    assert [(x.number, x.exception_id, x.action, x.cells) for x in lines] == [
        (2, 7, StewardAction.CORRECT, {"region": "North"})
    ]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"exception_id": "x1", "action": "dismiss", "note": "n"}, "is not an exception id"),
        ({"exception_id": "3", "action": "fix", "note": "n"}, "is not one of correct, waive, dismiss, reopen"),
        ({"exception_id": "3", "action": "dismiss", "note": " "}, "a note is required"),
        ({"exception_id": "3", "action": "dismiss", "note": "=cmd()"}, "looks like a spreadsheet formula"),
        ({"exception_id": "3", "action": "correct", "note": "n", "colour": "red"}, "column colour does not exist"),
    ],
)
def test_it_refuses_a_bad_line_with_a_one_line_reason(spec: DatasetSpec, row: dict[str, str], reason: str) -> None:
    """It refuses the bad line, says why in one line, and still reads the good line after it."""
    lines, refused = read_lines(_file(row, {"exception_id": "4", "action": "dismiss", "note": "junk"}), spec)
    assert len(refused) == 1 and reason in refused[0].reason and "\n" not in refused[0].reason
    assert [x.exception_id for x in lines] == [4]


def test_a_repeated_exception_id_is_refused_on_its_second_line(spec: DatasetSpec) -> None:
    """It applies the first line about an exception and refuses the next one."""
    lines, refused = read_lines(
        _file(
            {"exception_id": "5", "action": "dismiss", "note": "a"},
            {"exception_id": "5", "action": "waive", "note": "b"},
        ),
        spec,
    )
    assert [x.number for x in lines] == [2] and [r.number for r in refused] == [3]


def test_corrected_values_keep_cells_as_received_and_refuse_formulas() -> None:
    """A cell equal to the value as received is no change (even a negative one); a changed formula cell is refused."""
    received = {"revenue": "-12.00", "region": "north"}
    assert corrected_values(received, {"revenue": "-12.00", "region": "North"}) == ({"region": "North"}, None)
    changes, reason = corrected_values(received, {"region": "@SUM(A1)"})
    assert changes == {} and reason is not None and "region" in reason
    assert corrected_values(received, {"region": "\t=cmd|' /C calc'!A0"})[1] is not None  # a tab first, then =
    assert corrected_values(received, {"revenue": "-15.50"}) == ({"revenue": "-15.50"}, None)  # a number, not a formula


def test_the_template_is_safe_in_a_spreadsheet_and_comes_back_unchanged() -> None:
    """A formula-looking value as received is written with an apostrophe; sent back so, it is no change."""
    received = {"region": '=HYPERLINK("x")', "revenue": "-12.50", "product": "\r=1+1"}
    rows = [{"id": 7, "raw_data": json.dumps(received)}]
    filled = template(rows, ["region", "revenue", "product"])
    assert filled.iloc[0].to_dict() == {
        "exception_id": "7",
        "action": "",
        "note": "",
        "region": '\'=HYPERLINK("x")',
        "revenue": "-12.50",
        "product": "'\r=1+1",
    }
    cells = {"region": filled.iloc[0]["region"], "revenue": "-12.50", "product": filled.iloc[0]["product"]}
    assert corrected_values(received, cells) == ({}, None)


def test_header_problem_names_the_missing_control_columns() -> None:
    """A file without exception_id, action and note is not a corrections file."""
    assert header_problem(["exception_id", "action", "note", "region"]) is None
    assert header_problem(["exception_id", "region"]) == "not a corrections file: missing columns action, note"


def test_record_states_must_hold_each_raw_record_exactly_once() -> None:
    """It names records in two states, in none, and states naming records the run does not have."""
    raw = np.arange(1, 6)
    assert record_states_problems(raw, {"clean": np.array([1, 2]), "open": np.array([3, 4, 5])}) == []
    problems = record_states_problems(raw, {"clean": np.array([1, 2, 3]), "open": np.array([3, 9])})
    assert len(problems) == 3


def test_stored_rows_summarize_like_the_file_rows_they_came_from(spec: DatasetSpec) -> None:
    """Clean rows read back as text give the same analytics as the typed rows the transform stage made."""
    text = make_frame(20)
    text.index = pd.Index(range(1, 21), name="record_id")
    typed = type_clean_rows(text, spec).clean
    stored = typed.astype(str).where(typed.notna(), None)
    # SQLite hands decimals back without trailing zeros
    stored["revenue"] = stored["revenue"].str.replace(r"(\.\d*?)0+$", r"\1", regex=True)
    pd.testing.assert_frame_equal(summarize(stored_as_typed(stored, spec), spec), summarize(typed, spec))


def test_waivable_is_read_from_the_suite_meta(tmp_path: Path) -> None:
    """The sales suite waives its duplicate, ledger and negative-revenue rules only; a non-boolean flag is an error."""
    suite = load_suite("sales_orders", EXPECTATIONS_DIR)
    waivable = sorted(r.name for r in suite.rules if r.waivable)
    assert waivable == ["order_id_not_in_ledger", "order_id_unique", "revenue_non_negative"]
    document = json.loads((EXPECTATIONS_DIR / "sales_orders.json").read_text(encoding="utf-8"))
    document["expectations"][-1]["meta"]["waivable"] = "yes"
    (tmp_path / "sales_orders.json").write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(SpecError, match="waivable"):
        load_suite("sales_orders", tmp_path)
