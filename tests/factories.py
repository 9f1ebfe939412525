"""Factories for sales rows and frames as they arrive (all text), for tests at every tier."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

COLUMNS = ["order_id", "order_date", "region", "product", "quantity", "revenue"]


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


def make_frame(n: int = 3, rows: list[dict[str, Any]] | None = None) -> pd.DataFrame:
    """`n` valid rows with distinct order ids, followed by `rows` (each a dict of overrides)."""
    base = [make_row(order_id=f"ORD-{i:07d}") for i in range(1, n + 1)]
    extra = [make_row(**{"order_id": f"ORD-9{i:06d}", **r}) for i, r in enumerate(rows or [])]
    return pd.DataFrame(base + extra, columns=COLUMNS, dtype="str")


def with_record_ids(frame: pd.DataFrame, first: int = 1) -> pd.DataFrame:
    """Index a frame by record id, as the ingest stage does."""
    return frame.set_axis(pd.Index(range(first, first + len(frame)), name="record_id"))


def write_csv(path: Path, frame: pd.DataFrame) -> Path:
    """Write a frame as the CSV a source system would send."""
    frame.to_csv(path, index=False)
    return path
