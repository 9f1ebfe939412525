"""Small records that cross from one stage task to the next."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from flows.dataset import DatasetSpec


@dataclass(frozen=True)
class RunContext:
    """Who and what a run is about; holds no secrets (tasks read the database URL themselves)."""

    run_id: str
    spec: DatasetSpec
    source: Path
    source_name: str
    source_sha256: str
    flow_run_id: str | None
    started_at: dt.datetime


@dataclass(frozen=True)
class RawBatch:
    """The file's data rows as received (text, indexed by record id) and its header."""

    text: pd.DataFrame
    header: tuple[str, ...]


@dataclass(frozen=True)
class ValidationOutcome:
    """The findings of a run, and the reason the file was rejected as a whole, if it was."""

    findings: pd.DataFrame
    rejection: str | None


@dataclass(frozen=True)
class RunSummary:
    """What a run did: its status and the counts per table, as the command line prints them."""

    run_id: str
    status: str
    source_name: str
    reason: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    raw_count: int = 0
    clean_count: int = 0
    exception_count: int = 0
    exceptions_by_category: dict[str, int] = field(default_factory=dict)
    warnings: int = 0
    duration_s: float = 0.0
    reconciled: bool | None = None
