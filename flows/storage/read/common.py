"""What every read shares: a query result as a frame, and the MISSING-aware value filter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Connection, Select

from flows.constants import MISSING


def frame_of(conn: Connection, stmt: Select) -> pd.DataFrame:
    """The rows a statement returns, as a frame with its column names."""
    result = conn.execute(stmt)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def matches_any(column: Any, values: Sequence[str], missing_values: Sequence[str] = ()) -> ColumnElement[bool]:
    """`column` is one of the values; MISSING matches NULL (and the dataset's missing-value markers)."""
    given = [v for v in values if v != MISSING]
    condition: ColumnElement[bool] = column.in_(given)
    if MISSING in values:
        condition = condition | column.is_(None) | column.in_(list(missing_values))
    return condition
