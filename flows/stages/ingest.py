"""Ingest: shape a chunk of text rows, exactly as received, into the dataset's raw rows."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from flows.dataset import DatasetSpec
from flows.stages.json_rows import to_json_rows


def to_raw_rows(
    frame: pd.DataFrame,
    spec: DatasetSpec,
    first_id: int,
    run_id: str,
    source_name: str,
    ingested_at: dt.datetime,
    first_row: int = 1,
) -> pd.DataFrame:
    """One raw row per data row: ids, provenance, the spec's columns as text, extras as JSON.

    `first_row` is the 1-based file position of the frame's first row; its id is `first_id`.
    """
    n = len(frame)
    raw = pd.DataFrame(
        {
            "id": pd.RangeIndex(first_id, first_id + n),
            "run_id": run_id,
            "dataset": spec.name,
            "source_name": source_name,
            "source_row": pd.RangeIndex(first_row, first_row + n),
            "ingestion_timestamp": pd.Timestamp(ingested_at).tz_convert("UTC"),
        }
    )
    for name in spec.column_names:
        raw[name] = frame[name].to_numpy() if name in frame.columns else None
    extras = [c for c in frame.columns if c not in set(spec.column_names)]
    raw["extra_fields"] = to_json_rows(frame[extras]) if extras else None
    return raw
