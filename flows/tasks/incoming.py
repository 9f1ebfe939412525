"""Tasks of the incoming-folder flow: prepare the database, list files, check for an earlier run, file away."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows import service
from flows.settings import get_settings
from flows.sources import filing
from flows.tasks.common import STORAGE_TASK, load_spec, unit_of_work

FILE_TASK: dict[str, Any] = {"cache_policy": NO_CACHE, "retries": 2, "retry_delay_seconds": 2}


@task(name="Prepare database", **STORAGE_TASK)
def prepare_database(dataset: str | None) -> None:
    """Bring the schema to the newest migration and create the dataset's tables before looking up earlier runs."""
    spec = load_spec(dataset)
    with unit_of_work() as uow:
        uow.prepare(spec)


@task(name="List incoming files", **FILE_TASK)
def list_incoming(folder: Path) -> list[Path]:
    """The settled CSV files waiting in the incoming folder, oldest first; files still being written wait."""
    settle = get_settings().incoming_settle_seconds
    ready, waiting = filing.incoming_files(folder, settle)
    for path in waiting:
        get_run_logger().info("%s was modified in the last %g s: left for the next pickup", path.name, settle)
    return ready


@task(name="Check for an earlier run", **STORAGE_TASK)
def earlier_run(path: Path, dataset: str | None) -> str | None:
    """The run that already processed this exact file (by sha256), if any."""
    with unit_of_work() as uow:
        return service.find_earlier_run(uow, path, load_spec(dataset).name)


@task(name="Record skipped file", **STORAGE_TASK)
def record_skip(path: Path, dataset: str | None, earlier: str) -> str:
    """Record a SKIPPED run for a file already processed, so every arrival is auditable; return its run id."""
    run_id = str(uuid.uuid4())
    with unit_of_work() as uow:
        reason = service.record_skipped(uow, load_spec(dataset), path, run_id, earlier)
    get_run_logger().info("skipped %s: %s", path.name, reason)
    return run_id


@task(name="File away", **FILE_TASK)
def file_away(path: Path, folder: Path, run_id: str, reason: str | None = None) -> Path:
    """Move a processed file into `folder` (never overwriting), with its rejection reason beside it."""
    target = filing.file_away(path, folder, run_id, reason)
    get_run_logger().info("moved %s to %s", path.name, target)
    return target
