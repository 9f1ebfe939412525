"""Rows as JSON objects, built in one vectorised pandas call (never a per-row json.dumps)."""

from __future__ import annotations

import pandas as pd


def to_json_rows(frame: pd.DataFrame) -> list[str]:
    """Each row of `frame` as one JSON object string, in row order."""
    if frame.empty:
        return []
    text = frame.reset_index(drop=True).to_json(orient="records", lines=True, force_ascii=False)
    # JSON escapes newlines inside strings, so "\n" only ever separates records.
    return text.rstrip("\n").split("\n")
