"""Chunks spilled to Arrow files, so any worker that can read the run's work folder can process one.

The first pass over a CSV writes each chunk of text rows to `<work_dir>/<run_id>/chunk-NNNNN.arrow`
(Arrow IPC, uncompressed: written and memory-mapped back in milliseconds); a chunk's work then needs
only its `ChunkRef`, never a DataFrame shipped from the flow. The folder goes when the run ends.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather

from flows.records import ChunkRef


def spill_chunks(chunks: Iterable[pd.DataFrame], folder: Path, refs: list[ChunkRef]) -> Iterator[pd.DataFrame]:
    """Pass `chunks` through, writing each to `folder` and appending its ChunkRef to `refs`."""
    folder.mkdir(parents=True, exist_ok=True)
    position = 0
    for number, chunk in enumerate(chunks, start=1):
        path = folder / f"chunk-{number:05d}.arrow"
        feather.write_feather(pa.Table.from_pandas(chunk, preserve_index=False), path, compression="uncompressed")
        refs.append(ChunkRef(path=path, number=number, first_position=position, rows=len(chunk)))
        position += len(chunk)
        yield chunk


def read_spilled(ref: ChunkRef) -> pd.DataFrame:
    """A spilled chunk's rows as text, as the CSV reader produced them."""
    return feather.read_table(ref.path, memory_map=True).to_pandas()


def discard_spill(folder: Path) -> None:
    """Remove a run's spill folder (nothing happens when there is none)."""
    shutil.rmtree(folder, ignore_errors=True)
