"""Daily sales files that repeat earlier days' orders on known rows: the test data of a de-duplicated ledger.

Day k's new orders are a `generate_sales` file (its within-file defects and answer key as today), with
order ids that continue after the earlier days' and every valid order date set to 2024-01-01 + (k - 1).
From day 2 on, a share of the rows repeats a clean order of an earlier day (no planted defect, its order
id once in its file, never repeated before): *resent* as an exact copy, or *changed* (same order id,
another quantity and a revenue priced from it). The ledger key names each repeated row and its original.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from flows.generate.defects import DefectRates
from flows.generate.sales import GeneratedFile, generate_sales, write_generated
from flows.generate.values import COLUMNS, revenue_text

FIRST_DATE = np.datetime64("2024-01-01")
WARNINGS_ONLY = ("large_quantity",)  # planted defects the suite reports as warnings: the row stays clean
Policy = Literal["supersede", "quarantine"]
RepeatKind = Literal["resent", "changed"]


@dataclass(frozen=True)
class Overlap:
    """Shares of each day's rows (from day 2 on) that repeat an earlier day's clean order."""

    resent: float = 0.05  # exact copies: a resend, quarantined as a duplicate
    changed: float = 0.03  # same order id, other content: quarantined or superseding, by policy

    @classmethod
    def none(cls) -> Overlap:
        """No repeated orders: files with disjoint order ids."""
        return cls(0.0, 0.0)


@dataclass(frozen=True)
class LedgerEntry:
    """A row of a daily file (1-based) that repeats the order of an earlier day's row."""

    row: int
    kind: RepeatKind
    day: int
    row_in_day: int


@dataclass(frozen=True)
class DailyFile:
    """One day's file: its text frame, its within-file defects, and its rows old and new to the ledger."""

    day: int
    frame: pd.DataFrame
    answer_key: dict[str, list[int]]  # defect name -> sorted 1-based rows, as generate_sales
    ledger_key: list[LedgerEntry]  # rows repeating an earlier day's order, in row order
    new_rows: list[int]  # every other row: orders new to the ledger (defective or not)


def generate_days(
    days: int,
    rows: int,
    seed: int,
    overlap: Overlap | None = None,
    rates: DefectRates | None = None,
    first_order: int = 1,
) -> list[DailyFile]:
    """Build `days` files of `rows` rows each, later days repeating earlier clean orders at the overlap shares.

    A day repeats fewer orders than its shares ask only when fewer repeatable orders exist; its ledger key says.
    """
    overlap = overlap or Overlap()
    if overlap.resent < 0 or overlap.changed < 0 or overlap.resent + overlap.changed >= 1:
        raise ValueError(f"overlap shares must be >= 0 and leave room for new orders: {overlap}")
    rates = rates or DefectRates()
    files: list[DailyFile] = []
    next_order = first_order
    for day in range(1, days + 1):
        rng = np.random.default_rng([seed, day])
        pool = _repeatable(files)
        n_resent = min(round(overlap.resent * rows), len(pool)) if files else 0
        n_changed = min(round(overlap.changed * rows), len(pool) - n_resent) if files else 0
        new = generate_sales(rows - n_resent - n_changed, int(rng.integers(2**32)), rates, first_order=next_order)
        fresh = _redate(new, FIRST_DATE + np.timedelta64(day - 1, "D"))
        chosen = [pool[i] for i in rng.choice(len(pool), n_resent + n_changed, replace=False)] if pool else []
        kinds: list[RepeatKind] = ["resent" if i < n_resent else "changed" for i in range(len(chosen))]
        repeats = _repeat_rows(files, chosen, kinds, rng)
        frame, position = _scatter(fresh, repeats, rng)
        key = {name: sorted(int(position[p - 1]) + 1 for p in where) for name, where in new.answer_key.items()}
        ledger = [
            LedgerEntry(int(position[len(fresh) + i]) + 1, kind, d, r)
            for i, (kind, (d, r)) in enumerate(zip(kinds, chosen, strict=True))
        ]
        ledger.sort(key=lambda e: e.row)
        new_rows = sorted(int(p) + 1 for p in position[: len(fresh)])
        files.append(DailyFile(day, frame, key, ledger, new_rows))
        ids = fresh["order_id"][fresh["order_id"] != ""]
        next_order = max([next_order - 1, *(int(i[4:]) for i in ids)]) + 1
    return files


def _repeatable(files: list[DailyFile]) -> list[tuple[int, int]]:
    """(day, row) of each earlier clean order that may be repeated: no defect, once in its file, never repeated."""
    used = {(e.day, e.row_in_day) for f in files for e in f.ledger_key}
    pool = []
    for f in files:
        listed = {r for rows in f.answer_key.values() for r in rows}
        twice = f.frame["order_id"].duplicated(keep=False).to_numpy()
        pool += [(f.day, r) for r in f.new_rows if r not in listed and not twice[r - 1] and (f.day, r) not in used]
    return pool


def _redate(new: GeneratedFile, date: np.datetime64) -> pd.DataFrame:
    """A copy of the file's frame with every order whose date is valid dated `date`."""
    frame = new.frame.copy()
    bad_dates = set(new.answer_key.get("missing_order_date", []) + new.answer_key.get("malformed_order_date", []))
    valid = [p for p in range(len(frame)) if p + 1 not in bad_dates]
    frame.loc[valid, "order_date"] = str(date)
    return frame


def _repeat_rows(
    files: list[DailyFile], chosen: list[tuple[int, int]], kinds: list[RepeatKind], rng: np.random.Generator
) -> pd.DataFrame:
    """Copies of the chosen earlier rows; a changed one gets another quantity (1..20) and a revenue priced from it."""
    repeats = pd.DataFrame([files[d - 1].frame.iloc[r - 1] for d, r in chosen], columns=list(COLUMNS))
    repeats = repeats.reset_index(drop=True)
    changed = [i for i, kind in enumerate(kinds) if kind == "changed"]
    quantity = (repeats["quantity"].iloc[changed].astype(int) % 20 + 1).reset_index(drop=True)
    repeats.loc[changed, "quantity"] = quantity.astype(str).to_numpy()
    products = repeats["product"].iloc[changed].reset_index(drop=True)
    repeats.loc[changed, "revenue"] = revenue_text(products, quantity, rng)
    return repeats


def _scatter(fresh: pd.DataFrame, repeats: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """Place the repeated rows at random among the new ones, which keep their order; return frame and positions."""
    sort_key = np.concatenate([np.arange(len(fresh), dtype=float), rng.uniform(-0.5, len(fresh) - 0.5, len(repeats))])
    order = np.argsort(sort_key, kind="stable")
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    frame = pd.concat([fresh, repeats], ignore_index=True).iloc[order].reset_index(drop=True)
    return frame.astype(fresh.dtypes.to_dict()), position


def expected_ledger(files: list[DailyFile], policy: Policy) -> pd.DataFrame:
    """The de-duplicated ledger a correct pipeline ends with, over the rows with no planted error (a row with only
    a warning, such as an unusually large quantity, is clean).

    Files load in day order. A row whose order id the ledger already holds is a resend when its content
    is the same (never counted twice), else a change: under `supersede` it replaces the earlier row,
    under `quarantine` the earlier row stays. Columns: COLUMNS as text, then `day` and `row` (1-based)
    of the file row each ledger row comes from; sorted by order id.
    """
    ledger: dict[str, tuple[tuple[str, ...], int, int]] = {}
    for f in files:
        listed = {r for name, rows in f.answer_key.items() if name not in WARNINGS_ONLY for r in rows}
        for row, values in enumerate(f.frame[list(COLUMNS)].itertuples(index=False, name=None), start=1):
            if row in listed:
                continue
            earlier = ledger.get(values[0])
            if earlier is None or (policy == "supersede" and earlier[0] != values):
                ledger[values[0]] = (values, f.day, row)
    records = [(*values, day, row) for values, day, row in ledger.values()]
    frame = pd.DataFrame(records, columns=[*COLUMNS, "day", "row"])
    return frame.sort_values("order_id", ignore_index=True)


def write_days(files: list[DailyFile], out_dir: Path, seed: int, rates: DefectRates, overlap: Overlap) -> list[Path]:
    """Write `sales_day_NN.csv` and `sales_day_NN.answers.json` (defects and ledger key) per day; return the CSVs."""
    written = []
    for f in files:
        out = out_dir / f"sales_day_{f.day:02d}.csv"
        extra: dict[str, object] = {"day": f.day, "overlap": asdict(overlap)}
        extra |= {"ledger": [asdict(e) for e in f.ledger_key], "new_rows": f.new_rows}
        write_generated(GeneratedFile(f.frame, f.answer_key), out, seed, rates, extra=extra)
        written.append(out)
    return written
