"""Replays are safe beside loads: a steward's replay while another file is held mid-load on PostgreSQL, and
a promotion can never give a raw record a second clean row (the clean table's key refuses it)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import psycopg2.errors
import pytest
import sqlalchemy as sa

from flows.dataset import load_dataset
from flows.exceptions import export
from flows.generate import DefectRates, generate_sales, write_generated
from flows.pipeline import run_pipeline
from flows.stages.corrections import record_states_problems
from flows.steward import Steward
from flows.storage.engine import get_engine
from flows.storage.uow import SqlUnitOfWork
from tests.conftest import ROOT
from tests.factories import make_frame, write_csv
from tests.integration.helpers import fix_every_defect, read_table, scalar
from tests.integration.pausing import pause_lock, release, start_run, wait_until_paused

pytestmark = pytest.mark.usefixtures("prefect_harness")
EXPECTATIONS = ROOT / "expectations"


def _unbalanced(url: str, run_id: str) -> list[str]:
    """Every raw record of the run in exactly one of clean (loaded or promoted), open or dismissed, or why not."""
    with SqlUnitOfWork(get_engine(url)) as uow:
        raw, states = uow.exceptions.record_states(run_id, load_dataset("sales", EXPECTATIONS))
    marked = states.pop("PROMOTED")
    same = set(marked.tolist()) == set(states["clean (promoted)"].tolist())
    return record_states_problems(raw, states) + ([] if same else ["promoted rows and PROMOTED exceptions differ"])


def _one_bad_region(url: str, folder: Path) -> tuple[Steward, str, int]:
    """A steward on `url`, and a run of 3 good rows and one whose region is spelled in lower case (its exception)."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DATABASE_URL", url)
        env.setenv("DOCS_DIR", str(folder / "docs"))
        frame = make_frame(3, rows=[{"region": "north"}])
        run_id = run_pipeline(source=str(write_csv(folder / "day.csv", frame))).run_id
    exception_id = int(read_table(url, "exceptions", run_id)["id"].iloc[0])
    return Steward(url, EXPECTATIONS, folder / "kept", folder / "docs"), run_id, exception_id


@pytest.mark.postgres
def test_a_replay_while_another_file_is_held_mid_load_lands_and_both_runs_reconcile(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The replay of the first run lands while the second is paused at its third chunk; the loading run's own
    exceptions are refused until it completes; afterwards both runs reconcile record by record."""
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("DOCS_DIR", str(tmp_path / "docs"))
    monkeypatch.setenv("EXPECTATIONS_DIR", str(EXPECTATIONS))
    generated = generate_sales(400, seed=71)
    generated.frame.to_csv(tmp_path / "first.csv", index=False)
    first = run_pipeline(source=str(tmp_path / "first.csv")).run_id
    export(first, tmp_path / "template.csv")
    template = pd.read_csv(tmp_path / "template.csv", dtype=str, keep_default_na=False)
    exceptions = read_table(postgres_url, "exceptions", first)
    raw = read_table(postgres_url, "raw_sales", first).set_index("id")
    rows = pd.Series(raw.loc[exceptions["original_record_id"], "source_row"].to_numpy(), index=exceptions["id"])
    fix_every_defect(template, rows, generated).to_csv(tmp_path / "fix.csv", index=False)
    second_file = generate_sales(3_000, seed=72, first_order=401)  # another day's file: ids after the first's
    write_generated(second_file, tmp_path / "second.csv", 72, DefectRates())
    steward = Steward(postgres_url, EXPECTATIONS, tmp_path / "kept", tmp_path / "docs")

    with pause_lock(postgres_url) as holder:
        process = start_run(tmp_path / "second.csv", postgres_url, tmp_path / "docs", "chunk-3")
        wait_until_paused(holder, process)
        second = str(scalar(postgres_url, "SELECT run_id FROM pipeline_runs WHERE status = 'RUNNING'"))
        loading = int(scalar(postgres_url, "SELECT MIN(id) FROM exceptions WHERE run_id = :r", r=second))  # type: ignore[arg-type]
        outcome = steward.apply_file(tmp_path / "fix.csv", "asha", "sales")
        early = steward.act("sales", "asha", loading, "dismiss", "a copy")
        release(holder)
        assert process.wait(timeout=300) == 0

    assert outcome.status == "APPLIED" and outcome.promoted > 0 and outcome.runs_touched == (first,)
    assert early.applied == 0 and "not COMPLETED" in early.refused[0].reason
    assert scalar(postgres_url, "SELECT status FROM pipeline_runs WHERE run_id = :r", r=second) == "COMPLETED"
    assert _unbalanced(postgres_url, first) == [] and _unbalanced(postgres_url, second) == []
    second_raw = read_table(postgres_url, "raw_sales", second)
    assert (
        len(second_raw) == 3_000
        and scalar(postgres_url, "SELECT COUNT(*) FROM exception_events WHERE run_id = :r", r=second) == 0
    )


def test_a_promotion_never_gives_a_raw_record_a_second_clean_row(database_url: str, tmp_path: Path) -> None:
    """The promoted row's record id is the clean table's key: promoting it again is refused by the database."""
    steward, run_id, exception_id = _one_bad_region(database_url, tmp_path)
    assert steward.act("sales", "asha", exception_id, "correct", "capital N", {"region": "North"}).promoted == 1
    spec = load_dataset("sales", EXPECTATIONS)
    clean = read_table(database_url, "clean_sales", run_id)
    promoted = clean[clean["promoted_from_exception_id"] == exception_id]
    refused = (sa.exc.IntegrityError, psycopg2.errors.UniqueViolation)  # COPY on PostgreSQL raises the driver's own
    with pytest.raises(refused), SqlUnitOfWork(get_engine(database_url)) as uow:
        uow.exceptions.promote(spec, promoted.drop(columns=["id"], errors="ignore"))
    after = read_table(database_url, "clean_sales", run_id)
    assert (after["record_id"] == promoted["record_id"].iloc[0]).sum() == 1 and len(after) == len(clean)


def test_a_replay_that_finds_the_run_out_of_balance_lands_nothing(database_url: str, tmp_path: Path) -> None:
    """A clean row gone behind the pipeline's back (a record in no state) stops the next replay: nothing lands,
    and the reason says the run's records do not add up."""
    from flows.steward import StewardError

    steward, run_id, exception_id = _one_bad_region(database_url, tmp_path)
    with get_engine(database_url).begin() as conn:  # an untouched record leaves the clean table
        conn.exec_driver_sql("DELETE FROM clean_sales WHERE record_id = (SELECT MIN(record_id) FROM clean_sales)")
    with pytest.raises(StewardError, match=r"ReplayUnbalanced: .*4 raw records but 3 in a state"):
        steward.act("sales", "asha", exception_id, "correct", "capital N", {"region": "North"})
    assert read_table(database_url, "exception_events").empty
    assert scalar(database_url, "SELECT status FROM exceptions WHERE id = :i", i=exception_id) == "OPEN"
    assert scalar(database_url, "SELECT status FROM pipeline_runs WHERE run_id <> :r", r=run_id) == "FAILED"


def test_analytics_of_a_run_loaded_under_other_breakdowns_are_recomputed(database_url: str, tmp_path: Path) -> None:
    """A run whose stored analytics lack a breakdown of today's spec: adjusting would leave that breakdown with only
    the promoted row, so the replay recomputes the run's analytics from its clean rows."""
    steward, _, exception_id = _one_bad_region(database_url, tmp_path)
    with get_engine(database_url).begin() as conn:  # as if the spec had gained the region breakdown since the load
        conn.exec_driver_sql("DELETE FROM analytics_summary WHERE breakdown = 'region'")
    assert steward.act("sales", "asha", exception_id, "correct", "capital N", {"region": "North"}).promoted == 1
    counts = "SELECT SUM(value) FROM analytics_summary WHERE breakdown = :b AND measure = 'record_count'"
    assert int(scalar(database_url, counts, b="region")) == int(scalar(database_url, counts, b="total")) == 4  # type: ignore[arg-type]
