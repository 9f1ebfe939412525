"""Steward actions from the dashboard: one exception at a time, or an uploaded corrections file.

Every action is written as a corrections file (kept in `<DATA_DIR>/corrections/dashboard/`, the evidence of
what was submitted, by whom) and applied by the same service the `replay-exceptions` flow runs: the GX
suite, the events with the user's name, the promotion with lineage, the analytics of the runs touched,
reconciliation and the replay's Data Docs, all in one transaction on the writer connection. It is not a
Prefect flow run, so that a click does not wait for a Prefect server; the replay's run record and audit
events are the same as the flow's.

The writer connection is STEWARD_DATABASE_URL, set explicitly: the dashboard's own connection
(DASHBOARD_DATABASE_URL) may be the read-only `dashboard_reader` role.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from flows.constants import StewardAction
from flows.dataset import load_dataset
from flows.service import ReplayBatch, ReplayOutcome, apply_corrections, fail_replay
from flows.settings import Settings
from flows.stages.corrections import CONTROL_COLUMNS
from flows.storage.engine import get_engine, mask_secrets
from flows.storage.uow import SqlUnitOfWork
from flows.validation.runner import borrowed_runner


class StewardError(RuntimeError):
    """A steward action failed as a whole (nothing of it landed); the message is safe to show."""


@dataclass(frozen=True)
class Steward:
    """Applies steward actions through the writer connection `url` (never shown: see `StewardError`)."""

    url: str = field(repr=False)  # the writer's password is in it
    expectations_dir: Path
    folder: Path  # where each submitted corrections file is kept
    docs_root: Path

    @classmethod
    def from_settings(cls, settings: Settings) -> Steward | None:
        """The steward of STEWARD_DATABASE_URL, or None when it is not set (the dashboard stays read-only)."""
        if settings.steward_database_url is None:
            return None
        return cls(
            url=settings.steward_database_url.get_secret_value(),
            expectations_dir=settings.expectations_dir,
            folder=settings.data_dir / "corrections" / "dashboard",
            docs_root=settings.docs_dir,
        )

    def act(
        self, dataset: str, user: str, exception_id: int, action: str, note: str, values: dict[str, str] | None = None
    ) -> ReplayOutcome:
        """One action on one exception; `values` (for `correct`) are the source cells the steward changed."""
        columns = load_dataset(dataset, self.expectations_dir).column_names
        cells = {c: (values or {}).get(c, "") for c in columns}
        line = {"exception_id": str(exception_id), "action": StewardAction(action).value, "note": note, **cells}
        frame = pd.DataFrame([line], columns=[*CONTROL_COLUMNS, *columns], dtype=str)
        path = self._new_file(user, f"{action}-{exception_id}")
        frame.to_csv(path, index=False)
        return self.apply_file(path, user, dataset, by_checksum=False)

    def upload(self, dataset: str, user: str, name: str, content: bytes) -> ReplayOutcome:
        """Apply an uploaded corrections file (kept under its own name, prefixed with the time and user)."""
        path = self._new_file(user, Path(name).stem)
        path.write_bytes(content)
        return self.apply_file(path, user, dataset)

    def apply_file(self, path: Path, user: str, dataset: str, by_checksum: bool = True) -> ReplayOutcome:
        """Apply a corrections file as `user`: all of its good lines, or nothing (then StewardError says why).
        `by_checksum`: SKIP a file whose bytes were applied before (not for one dashboard action: see ReplayBatch)."""
        spec = load_dataset(dataset, self.expectations_dir)
        run_id, docs = str(uuid.uuid4()), self.docs_root.resolve()
        batch = ReplayBatch(spec, path.resolve(), user, run_id, docs_root=docs, by_checksum=by_checksum)
        engine = get_engine(self.url)
        try:
            with borrowed_runner(spec.suite) as runner, SqlUnitOfWork(engine) as uow:
                uow.prepare(spec)
                return apply_corrections(uow, batch, runner)
        except Exception as error:  # noqa: BLE001 - recorded FAILED, then re-raised as one masked line
            reason = mask_secrets(f"{type(error).__name__}: {error}", self.url)
            with contextlib.suppress(Exception), SqlUnitOfWork(engine) as uow:  # the database may be what failed
                fail_replay(uow, batch, reason)
            raise StewardError(reason.splitlines()[0] if reason else type(error).__name__) from None

    def _new_file(self, user: str, label: str) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = pd.Timestamp.now(tz="UTC").strftime("%Y%m%dT%H%M%S%fZ")
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{user}-{label}")[:80]
        return self.folder / f"{stamp}-{safe}.csv"
