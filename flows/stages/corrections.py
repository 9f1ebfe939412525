"""Corrections files, the pure part: read a steward's lines, refuse bad ones with a reason, merge corrected
values over the values as received, and check that every raw record stands in exactly one place.

A corrections file has the columns `exception_id`, `action`, `note`, then the dataset's source columns.
A line with a blank action is not an action (the template has one line per open exception). A blank
source cell, or one equal to the value as received, keeps the value as received.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from flows.constants import StewardAction
from flows.dataset import DatasetSpec

CONTROL_COLUMNS = ("exception_id", "action", "note")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet would evaluate (CSV injection)
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def spreadsheet_safe(value: str) -> str:
    """A template cell safe to open in a spreadsheet: a formula-looking value as received gets a leading
    apostrophe (a plain number such as -12.50 is left alone); coming back unchanged, it means "as received"."""
    return "'" + value if value.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(value) else value


@dataclass(frozen=True)
class Line:
    """One action of a corrections file: its 1-based line in the file (header is line 1), and its cells."""

    number: int
    exception_id: int
    action: StewardAction
    note: str
    cells: dict[str, str] = field(default_factory=dict)  # source column -> non-blank cell


@dataclass(frozen=True)
class Refusal:
    """A line that was not applied, and why, in one line."""

    number: int
    exception_id: str
    reason: str


def header_problem(columns: Sequence[str]) -> str | None:
    """Why a file cannot be a corrections file at all (its control columns are missing), or None."""
    missing = [c for c in CONTROL_COLUMNS if c not in columns]
    return f"not a corrections file: missing columns {', '.join(missing)}" if missing else None


def read_lines(frame: pd.DataFrame, spec: DatasetSpec) -> tuple[list[Line], list[Refusal]]:
    """The actions of a corrections file (all cells text, blanks ''), and the lines refused with a reason."""
    lines: list[Line] = []
    refused: list[Refusal] = []
    seen: set[int] = set()
    known = set(spec.column_names)
    for position, row in enumerate(frame.to_dict("records")):
        number, raw_id = position + 2, str(row["exception_id"]).strip()
        action, note = str(row["action"]).strip().lower(), str(row["note"]).strip()
        cells = {str(k): str(v) for k, v in row.items() if k not in CONTROL_COLUMNS and str(v).strip() != ""}
        if not action:
            continue
        reason = _line_problem(raw_id, action, note, cells, known, seen)
        if reason:
            refused.append(Refusal(number, raw_id, reason))
            continue
        seen.add(int(raw_id))
        lines.append(Line(number, int(raw_id), StewardAction(action), note, cells))
    return lines, refused


def _line_problem(
    raw_id: str, action: str, note: str, cells: Mapping[str, str], known: set[str], seen: set[int]
) -> str | None:
    if not raw_id.isdigit():
        return f"exception_id {raw_id!r} is not an exception id"
    if int(raw_id) in seen:
        return f"exception {raw_id} appears on an earlier line of this file"
    if action not in tuple(StewardAction):
        return f"action {action!r} is not one of {', '.join(StewardAction)}"
    if not note:
        return "a note is required"
    if note.startswith(FORMULA_START):
        return "the note looks like a spreadsheet formula (starts with = + - or @)"
    unknown = sorted(set(cells) - known)
    if unknown:
        return f"column {unknown[0]} does not exist in this dataset"
    return None


def corrected_values(received: Mapping[str, str | None], cells: Mapping[str, str]) -> tuple[dict[str, str], str | None]:
    """The cells that change a value as received, or the reason the line is refused (a formula-looking cell)."""
    kept = {k: {received.get(k) or "", spreadsheet_safe(received.get(k) or "")} for k in cells}
    changes = {k: v for k, v in cells.items() if v not in kept[k]}
    for column, value in changes.items():
        if value.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(value):  # -12.50 is a number
            return {}, f"cell {column} {value[:20]!r} looks like a spreadsheet formula (starts with = + - or @)"
    return changes, None


def stored_as_typed(stored: pd.DataFrame, spec: DatasetSpec) -> pd.DataFrame:
    """Clean rows read back from the clean table as text (ISO dates) in the dtypes the transform stage gives them."""
    typed = {}
    for column in spec.columns:
        values = stored[column.name]
        if column.type == "decimal":
            typed[column.name] = values.astype(pd.ArrowDtype(pa.decimal128(column.precision, column.scale)))
        elif column.type == "integer":
            typed[column.name] = values.astype("Int64")
        elif column.type == "date":
            typed[column.name] = pd.to_datetime(values, format="%Y-%m-%d").astype("date32[pyarrow]")
        else:
            typed[column.name] = values
    for ratio in spec.derived:
        precision = spec.column(ratio.numerator).precision
        typed[ratio.name] = stored[ratio.name].astype(pd.ArrowDtype(pa.decimal128(precision, ratio.scale)))
    return pd.DataFrame(typed, index=stored.index)


def record_states_problems(raw: np.ndarray, states: Mapping[str, np.ndarray]) -> list[str]:
    """Every raw record in exactly one state (loaded clean, promoted, open, dismissed): the problems, if any."""
    problems = []
    everything = np.concatenate([raw[:0], *states.values()])
    values, counts = np.unique(everything, return_counts=True)
    if (counts > 1).any():
        problems.append(f"records in more than one state: {values[counts > 1][:5].tolist()}")
    missing = np.setdiff1d(raw, values)
    if len(missing):
        problems.append(f"records in no state: {missing[:5].tolist()}")
    unknown = np.setdiff1d(values, raw)
    if len(unknown):
        problems.append(f"states name records that are not raw records of the run: {unknown[:5].tolist()}")
    return problems


def template(exceptions: Sequence[Mapping[str, object]], columns: Sequence[str]) -> pd.DataFrame:
    """A corrections template: one line per exception (`id`, `raw_data` JSON), action and note blank, then the
    dataset's source `columns` with the values as received (all text; a missing value is blank)."""
    records = []
    for row in exceptions:
        received = json.loads(str(row["raw_data"]))
        values = {c: "" if received.get(c) is None else spreadsheet_safe(str(received[c])) for c in columns}
        records.append({"exception_id": str(row["id"]), "action": "", "note": "", **values})
    return pd.DataFrame(records, columns=[*CONTROL_COLUMNS, *columns], dtype=str)
