"""Small frozen records that cross from one step of a run to the next (and to workers): no live objects.

Everything here pickles: a chunk's work needs only the spec, the run context, the file plan and its
ChunkRef, and returns a ChunkResult.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from flows.constants import RunStatus
from flows.dataset import DatasetSpec
from flows.stages.keys import KeyIndex


@dataclass(frozen=True)
class RunContext:
    """Who and what a run is about; holds no secrets (workers read the database URL from their settings)."""

    run_id: str
    spec: DatasetSpec
    source: Path
    source_name: str
    source_sha256: str
    flow_run_id: str | None
    started_at: dt.datetime
    chunk_rows: int
    work_dir: Path  # the run's spill folder: readable by every worker

    @property
    def dataset(self) -> str:
        """The dataset's name."""
        return self.spec.name


@dataclass(frozen=True)
class ChunkRef:
    """Where one chunk of a run's rows is and which rows of the file it holds (0-based, in file order)."""

    path: Path
    number: int
    first_position: int
    rows: int


@dataclass(frozen=True)
class FilePlan:
    """What the first pass over the file found: rows, header, repeated keys, the first record id, the chunks."""

    keys: KeyIndex
    first_id: int
    chunks: tuple[ChunkRef, ...] = ()

    @property
    def rows(self) -> int:
        """The file's data rows."""
        return self.keys.rows


@dataclass(frozen=True)
class SchemaCheck:
    """The file-level verdict: why the file is rejected (None if it is not), and its GX result for the docs."""

    rejection: str | None
    docs_result: Any


@dataclass(frozen=True)
class ChunkResult:
    """What one chunk's work stored, its partial analytics, and its GX result (trimmed) for the Data Docs."""

    number: int
    rows: int
    last_row: int  # the 1-based file row of the chunk's last row
    clean: int = 0
    exceptions: int = 0
    findings: int = 0
    resent: int = 0  # rows whose key the ledger had, with the same content
    conflicts: int = 0  # ... with other content
    partial: pd.DataFrame | None = None
    docs_result: Any = None


@dataclass(frozen=True)
class RunSummary:
    """What a run did: its status and the counts per table, as the command line prints them."""

    run_id: str
    dataset: str
    status: RunStatus
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
