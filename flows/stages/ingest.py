"""Ingest: read a CSV as text, exactly as received, and shape it into raw rows."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from flows.dataset import DatasetSpec
from flows.stages.json_rows import to_json_rows


class SourceRejected(Exception):
    """The file as a whole cannot be processed; the message is the one-line reason."""


@dataclass(frozen=True)
class SourceFile:
    """A file's data rows as text (no type coercion) and its header as written."""

    frame: pd.DataFrame
    header: tuple[str, ...]


def file_sha256(path: Path) -> str:
    """The hex sha256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_source(path: Path) -> SourceFile:
    """Read every field as a string; empty fields stay empty strings, nothing is coerced."""
    if not path.is_file():
        raise SourceRejected(f"source file not found: {path}")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8")
    except pd.errors.EmptyDataError:
        raise SourceRejected("the file is empty: no header and no rows") from None
    except pd.errors.ParserError as exc:
        raise SourceRejected(f"not a readable CSV: {str(exc).strip()}") from None
    except UnicodeDecodeError as exc:
        raise SourceRejected(f"not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    return SourceFile(frame=frame, header=tuple(str(c) for c in frame.columns))


def to_raw_rows(
    source: SourceFile, spec: DatasetSpec, first_id: int, run_id: str, source_name: str, ingested_at: dt.datetime
) -> pd.DataFrame:
    """One raw row per data row: ids, provenance, the spec's columns as text, extras as JSON."""
    frame = source.frame
    n = len(frame)
    raw = pd.DataFrame(
        {
            "id": pd.RangeIndex(first_id, first_id + n),
            "run_id": run_id,
            "source_name": source_name,
            "source_row": pd.RangeIndex(1, n + 1),
            "ingestion_timestamp": pd.Timestamp(ingested_at).tz_convert("UTC").tz_localize(None),
        }
    )
    for name in spec.column_names:
        raw[name] = frame[name].to_numpy() if name in frame.columns else None
    extras = [c for c in frame.columns if c not in set(spec.column_names)]
    raw["extra_fields"] = to_json_rows(frame[extras]) if extras else None
    return raw
