"""The incoming folder on disk: which files are ready, and filing a processed file away."""

from __future__ import annotations

import shutil
import time
from pathlib import Path


def incoming_files(folder: Path, settle_seconds: float) -> tuple[list[Path], list[Path]]:
    """The folder's CSV files ready to process (oldest first) and those modified too recently (maybe still written)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".csv"]
    waiting = [p for p in files if not is_settled(p, settle_seconds)]
    ready = sorted((p for p in files if p not in waiting), key=lambda p: (p.stat().st_mtime, p.name))
    return ready, waiting


def is_settled(path: Path, settle_seconds: float) -> bool:
    """True when the file was not modified within `settle_seconds` of now (a growing file keeps a fresh mtime)."""
    # abs(): an mtime far in the future (clock skew, copied timestamps) is not a sign of writing.
    return abs(time.time() - path.stat().st_mtime) >= settle_seconds


def file_away(path: Path, folder: Path, run_id: str, reason: str | None = None) -> Path:
    """Move a processed file into `folder` (never overwriting: a clash gets the run id), with its reason beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    if target.exists():
        target = folder / f"{path.stem}-{run_id[:8]}{path.suffix}"
    shutil.move(str(path), target)
    if reason:
        target.with_name(target.name + ".reason.txt").write_text(f"run {run_id}: {reason}\n", encoding="utf-8")
    return target
