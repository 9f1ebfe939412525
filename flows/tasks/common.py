"""What every task shares: task options, the one place the database URL is read, the unit of work, locks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prefect.cache_policies import NO_CACHE

from flows.dataset import DatasetSpec, load_dataset
from flows.settings import get_settings
from flows.storage.engine import get_engine, is_transient_error, mask_secrets
from flows.storage.locks import run_lock, source_lock
from flows.storage.uow import SqlUnitOfWork

STORAGE_TASK: dict[str, Any] = {
    "cache_policy": NO_CACHE,
    "retries": 2,
    "retry_delay_seconds": 2,
    "retry_condition_fn": lambda _task, _run, state: _is_transient(state),
}


def _is_transient(state: Any) -> bool:
    try:
        state.result()
    except Exception as exc:  # noqa: BLE001 - classify whatever the task raised
        return is_transient_error(exc)
    return False


def database_url() -> str:
    """DATABASE_URL, password included: for connecting only, never for printing (see `masked`)."""
    return get_settings().database_url.get_secret_value()


@contextmanager
def unit_of_work() -> Iterator[SqlUnitOfWork]:
    """A unit of work on DATABASE_URL: commits when the block ends, rolls back if it raises."""
    with SqlUnitOfWork(get_engine(database_url())) as uow:
        yield uow


def pause_point(name: str, uow: SqlUnitOfWork | None = None) -> None:
    """Wait here while the pause lock is held, if PAUSE_AT names this point (in `uow`'s transaction if given)."""
    if get_settings().pause_at != name:
        return
    if uow is not None:
        uow.pause()
        return
    with unit_of_work() as fresh:
        fresh.pause()


def masked(text: str) -> str:
    """`text` with the database password removed, safe for logs, errors and the database."""
    return mask_secrets(text, database_url())


def masked_error(error: BaseException) -> str:
    """`Type: message` of an error with the password removed: the one form every failure is reported in."""
    return masked(f"{type(error).__name__}: {error}")


class RunFailed(Exception):
    """A run's error as `Type: message` with the password removed; raised instead of the original, which may hold it."""

    @classmethod
    def masking(cls, error: Exception) -> RunFailed:
        """The masked stand-in for `error` (raise it `from None`: Prefect logs and stores a flow's exception)."""
        return error if isinstance(error, cls) else cls(masked_error(error))


def load_spec(dataset: str | None) -> DatasetSpec:
    """The named dataset's spec and suite, or the default dataset's (DEFAULT_DATASET)."""
    settings = get_settings()
    return load_dataset(dataset or settings.default_dataset, settings.expectations_dir)


@contextmanager
def run_alive(run_id: str) -> Iterator[None]:
    """Hold the run's lock while it lives, so other processes can tell it from an abandoned run."""
    with run_lock(database_url(), run_id):
        yield


@contextmanager
def file_lock(sha256: str) -> Iterator[None]:
    """Hold a file's lock (by checksum): a concurrent pickup of the same bytes waits for it."""
    with source_lock(database_url(), sha256):
        yield
