"""Retention on its own: the policy's arithmetic, and a purge through the service on a SQLite unit of work."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from flows.dataset import DatasetSpec
from flows.service.retention import RetentionPolicy, policy_for, purge
from flows.storage.models import PipelineRun
from tests.factories import make_frame, write_csv
from tests.integration.helpers import scalar
from tests.unit.service.runner import run_file, uow

NOW = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("raw", "validation", "older_than", "expected"),
    [
        (None, None, None, RetentionPolicy(None, None)),
        (90, None, None, RetentionPolicy(90, None)),
        (90, 30, 7, RetentionPolicy(7, 7)),
        (None, None, 0, RetentionPolicy(0, 0)),
    ],
)
def test_the_command_line_overrides_both_settings(
    raw: int | None, validation: int | None, older_than: int | None, expected: RetentionPolicy
) -> None:
    """It takes the settings' days, or --older-than-days for both kinds of row when given."""
    assert policy_for(raw, validation, older_than) == expected


def test_a_negative_age_is_refused() -> None:
    """It refuses --older-than-days below 0."""
    with pytest.raises(ValueError, match="0 or more"):
        policy_for(None, None, -1)


def test_cutoffs_count_back_from_now_and_unset_means_never() -> None:
    """It dates each kind's cutoff `days` before now; an unset kind has none, and an empty policy is not set."""
    assert RetentionPolicy(30, None).cutoffs(NOW) == (NOW - dt.timedelta(days=30), None)
    assert RetentionPolicy(None, 1).cutoffs(NOW) == (None, NOW - dt.timedelta(days=1))
    assert not RetentionPolicy(None, None).is_set and RetentionPolicy(None, 0).is_set


def test_only_the_due_kind_is_removed_and_a_dry_run_writes_nothing(spec: DatasetSpec, tmp_path: Path) -> None:
    """With validation results kept 10 days and raw rows for good, a 20-day-old run loses its row-level findings
    (but those of OPEN exceptions: all of them here, so none) and no raw row; a dry run counts the same."""
    url = f"sqlite:///{tmp_path / 'service.db'}"
    source = write_csv(tmp_path / "day.csv", make_frame(4, rows=[{"region": "north"}]))
    run_id = run_file(url, spec, source, tmp_path / "work").summary.run_id
    with uow(url) as unit:
        unit.runs.update(run_id, ended_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=20))
    with uow(url) as unit:
        dry = purge(unit, spec, RetentionPolicy(None, 10), dt.datetime.now(dt.UTC), dry_run=True)
    assert dry == [] and scalar(url, "SELECT COUNT(*) FROM audit_log WHERE stage = 'purge'") == 0
    with uow(url) as unit:  # the open exception's findings stay: nothing of this run may go
        assert purge(unit, spec, RetentionPolicy(None, 10), dt.datetime.now(dt.UTC)) == []
    with uow(url) as unit:  # a steward dismissed it (a status change, as a replay makes it)
        unit.exceptions.move_status([int(str(scalar(url, "SELECT id FROM exceptions")))], "OPEN", "DISMISSED")
    with uow(url) as unit:
        dry = purge(unit, spec, RetentionPolicy(None, 10), dt.datetime.now(dt.UTC), dry_run=True)
    with uow(url) as unit:
        done = purge(unit, spec, RetentionPolicy(None, 10), dt.datetime.now(dt.UTC))
    assert (
        [(r.run_id, r.raw_rows, r.validation_results) for r in done]
        == [(run_id, 0, 1)]
        == [(r.run_id, r.raw_rows, r.validation_results) for r in dry]
    )
    assert scalar(url, "SELECT COUNT(*) FROM raw_sales") == 5
    assert scalar(url, "SELECT COUNT(*) FROM audit_log WHERE stage = 'purge'") == 1
    assert scalar(url, f"SELECT COUNT(*) FROM {PipelineRun.__tablename__}") == 1
