"""Factories for sales rows and frames as they arrive (all text), for tests at every tier."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from flows.dataset import Rule, Suite
from flows.stages.validate import FINDING_COLUMNS

COLUMNS = ["order_id", "order_date", "region", "product", "quantity", "revenue"]
EXPECTATIONS_DIR = Path(__file__).resolve().parents[1] / "expectations"


def make_row(**overrides: Any) -> dict[str, str]:
    """One valid sales row as text; override any field."""
    row = {
        "order_id": "ORD-0000001",
        "order_date": "2024-03-15",
        "region": "North",
        "product": "Sauces",
        "quantity": "3",
        "revenue": "360.00",
    }
    row.update({k: str(v) for k, v in overrides.items()})
    return row


def make_frame(n: int = 3, rows: list[dict[str, Any]] | None = None, first: int = 1) -> pd.DataFrame:
    """`n` valid rows with distinct order ids from ORD-{first:07d}, followed by `rows` (each a dict of overrides).

    The extra rows are numbered ORD-9{first - 1:06d} upward, so frames whose `first` lie at least
    max(n, len(rows)) apart share no order id: another day's file in the same database.
    """
    base = [make_row(order_id=f"ORD-{i:07d}") for i in range(first, first + n)]
    extra = [make_row(**{"order_id": f"ORD-9{first - 1 + i:06d}", **r}) for i, r in enumerate(rows or [])]
    return pd.DataFrame(base + extra, columns=COLUMNS, dtype="str")


def with_record_ids(frame: pd.DataFrame, first: int = 1) -> pd.DataFrame:
    """Index a frame by record id, as the ingest stage does."""
    return frame.set_axis(pd.Index(range(first, first + len(frame)), name="record_id"))


def write_csv(path: Path, frame: pd.DataFrame) -> Path:
    """Write a frame as the CSV a source system would send."""
    frame.to_csv(path, index=False)
    return path


def make_finding(record_id: int | None = 1, rule: Rule | None = None, **overrides: Any) -> dict[str, Any]:
    """One finding as validate reports it: from `rule`'s meta when given, else a generic error; override any field."""
    finding: dict[str, Any] = {
        "record_id": record_id,
        "rule_id": "00000000-0000-0000-0000-000000000000",
        "rule_name": "some_rule",
        "expectation_type": "expect_column_values_to_not_be_null",
        "column_name": "region",
        "control_type": "DATA_QUALITY",
        "error_category": "DATA_QUALITY_ISSUE",
        "severity": "error",
        "observed_value": None,
        "details": None,
    }
    if rule is not None:
        finding.update(
            rule_id=rule.rule_id,
            rule_name=rule.name,
            expectation_type=rule.expectation_type,
            column_name=rule.column,
            control_type=rule.control_type,
            error_category=rule.error_category,
            severity=rule.severity,
        )
    finding.update(overrides)
    return finding


def make_findings(*findings: dict[str, Any]) -> pd.DataFrame:
    """A findings frame shaped like validate's output, holding `findings` in order."""
    frame = pd.DataFrame(list(findings), columns=list(FINDING_COLUMNS), dtype="object")
    frame["record_id"] = frame["record_id"].astype("Int64")
    return frame


def rule_named(suite: Suite, name: str) -> Rule:
    """The rule of `suite` whose meta.rule is `name`."""
    return next(r for r in suite.rules if r.name == name)
