"""Where chunk tasks run: Prefect's thread pool (default), Dask, or the flow's own thread, chosen per run.

TASK_RUNNER (environment, `.env`, a job variable, or the flows' `task_runner` parameter) is `threads`,
`dask` or `serial`. At most CHUNKS_IN_FLIGHT chunks are submitted and not yet finished, so memory stays
bounded by chunk size times chunks in flight. With `dask`, DASK_ADDRESS names a running scheduler
(`tcp://host:8786`); without it a LocalCluster of DASK_WORKERS single-threaded processes is started.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast
from uuid import UUID

from prefect import get_run_logger
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.futures import PrefectFuture
from prefect.settings import PREFECT_API_URL
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from flows.records import ChunkResult, FilePlan, RunContext
from flows.settings import Settings, get_settings
from flows.tasks.chunk import process_chunk

RUNNERS = ("threads", "dask", "serial")


def chunk_runner(kind: str, settings: Settings) -> TaskRunner[Any]:
    """A (not yet started) Prefect task runner of the given kind."""
    if kind == "dask":
        from prefect_dask import DaskTaskRunner

        _share_api_with_workers()
        if settings.dask_address:
            return DaskTaskRunner(address=settings.dask_address)
        workers = {"n_workers": settings.dask_workers, "threads_per_worker": 1, "processes": True}
        return DaskTaskRunner(cluster_kwargs=workers)
    return ThreadPoolTaskRunner(max_workers=settings.chunks_in_flight)


def _share_api_with_workers() -> None:
    """Put this flow's Prefect API in the environment that worker processes inherit.

    Dask workers report their task runs to their own PREFECT_API_URL; without one each would start a
    private temporary server. A LocalCluster's workers inherit this process's environment, so they
    report to the same server, even the temporary one a one-shot command line starts. Workers on
    other machines must be started with PREFECT_API_URL set to a server the flow uses too.
    """
    api = PREFECT_API_URL.value()
    if not api:
        from prefect.server.api.server import SubprocessASGIServer

        server = SubprocessASGIServer()  # the process's temporary server: started already if the flow runs on it
        server.start()
        api = server.api_url
    os.environ["PREFECT_API_URL"] = api


def process_chunks(run: RunContext, plan: FilePlan, rejected: bool, kind: str | None) -> list[ChunkResult]:
    """Every chunk's task, on the configured runner, at most CHUNKS_IN_FLIGHT at a time; results in file order."""
    settings = get_settings()
    kind = kind or settings.task_runner
    if kind not in RUNNERS:
        raise ValueError(f"TASK_RUNNER is {kind!r}; expected one of {', '.join(RUNNERS)}")
    calls = [{"run": run, "plan": plan, "chunk": chunk, "rejected": rejected} for chunk in plan.chunks]
    with _progress(run, plan) as done:
        if kind == "serial" or not calls:
            return [done(process_chunk(run, plan, chunk, rejected)) for chunk in plan.chunks]
        with chunk_runner(kind, settings) as runner:
            return _bounded(lambda call: runner.submit(process_chunk, call), calls, settings.chunks_in_flight, done)


def _bounded(
    submit: Callable[[dict[str, Any]], PrefectFuture[ChunkResult]],
    calls: Sequence[dict[str, Any]],
    limit: int,
    done: Callable[[ChunkResult], ChunkResult],
) -> list[ChunkResult]:
    """Submit in order with at most `limit` unfinished; on a failure, let the ones in flight end before raising
    (so nothing commits after the run is failed and cleaned up)."""
    pending: deque[PrefectFuture[ChunkResult]] = deque()
    results: list[ChunkResult] = []
    try:
        for call in calls:
            if len(pending) >= max(limit, 1):
                results.append(done(pending.popleft().result()))
            pending.append(submit(call))
        while pending:
            results.append(done(pending.popleft().result()))
    except BaseException:
        for future in pending:
            future.wait()
        raise
    return results


@contextmanager
def _progress(run: RunContext, plan: FilePlan) -> Iterator[Callable[[ChunkResult], ChunkResult]]:
    """Log a progress line and update a Prefect progress artifact as each chunk's result comes in."""
    log, started, rows = get_run_logger(), time.perf_counter(), [0]
    key = f"{run.dataset.lower().replace('_', '-')}-run-progress"
    artifact = cast(UUID, create_progress_artifact(0.0, key=key, description=f"{run.source_name}: rows processed"))

    def done(result: ChunkResult) -> ChunkResult:
        rows[0] += result.rows
        share = rows[0] / plan.rows if plan.rows else 1.0
        rate = rows[0] / max(time.perf_counter() - started, 1e-9)
        bar = "#" * round(20 * share) + "." * (20 - round(20 * share))
        counts = (f"{rows[0]:,}", f"{plan.rows:,}", f"{rate:,.0f}")
        log.info("progress [%s] %3.0f%%  %s / %s rows  %s rows/s", bar, 100 * share, *counts)
        update_progress_artifact(artifact, 100 * share)
        return result

    yield done
