"""Small records that cross from one stage task to the next."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from flows.dataset import DatasetSpec
from flows.stages.keys import KeyIndex
from flows.stages.validate import SuiteValidator


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
    chunk_rows: int


@dataclass(frozen=True)
class FilePlan:
    """What the first pass over the file found: rows, header, repeated keys, and the run's first record id."""

    keys: KeyIndex
    first_id: int


@dataclass(frozen=True)
class SchemaCheck:
    """The run's GX validator, the file-level result, and why the file is rejected (None if it is not)."""

    validator: SuiteValidator
    result: Any
    rejection: str | None


@dataclass(frozen=True)
class RawBatch:
    """One chunk of data rows as received (text, indexed by record id) and where it starts in the file."""

    text: pd.DataFrame
    first_position: int

    @property
    def last_row(self) -> int:
        """The 1-based file row of the chunk's last row."""
        return self.first_position + len(self.text)


@dataclass(frozen=True)
class ValidationOutcome:
    """A chunk's findings, and its GX result trimmed for the Data Docs."""

    findings: pd.DataFrame
    gx_result: Any


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
    dataset: str = "sales"
