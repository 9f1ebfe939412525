"""Every COMPLETED run reconciled again from its stored rows (`reconcile_runs`), on SQLite with no Prefect."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from flows.dataset import DatasetSpec
from flows.service.reconciliation import reconcile_runs
from flows.storage.backup import backup_sqlite
from flows.storage.engine import get_engine
from tests.factories import make_frame, write_csv
from tests.unit.service.runner import run_file, uow


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory, spec: DatasetSpec) -> Path:
    """A SQLite database holding two COMPLETED runs: five rows with two quarantined, and three clean rows."""
    folder = tmp_path_factory.mktemp("loaded")
    url = f"sqlite:///{folder / 'service.db'}"
    mixed = make_frame(3, rows=[{"revenue": "-5.00"}, {"region": "north"}])
    run_file(url, spec, write_csv(folder / "mixed.csv", mixed), folder / "work")
    run_file(url, spec, write_csv(folder / "clean.csv", make_frame(3, first=11)), folder / "work")
    return folder / "service.db"


@pytest.fixture
def url(loaded: Path, tmp_path: Path) -> str:
    """A copy of the loaded database for one test to change (a backup: a file copy would miss the WAL's pages)."""
    return f"sqlite:///{backup_sqlite(f'sqlite:///{loaded}', tmp_path / 'service.db').target}"


def tamper(url: str, sql: str) -> None:
    """Change the stored rows behind the pipeline's back."""
    with get_engine(url).begin() as conn:
        conn.execute(sa.text(sql))


def reconciled(url: str, spec: DatasetSpec) -> list[tuple[int, int, int, tuple[str, ...]]]:
    """Each COMPLETED run's raw, clean and exception rows and its problems, oldest first."""
    with uow(url) as unit:
        return [(r.raw_count, r.clean_count, r.exception_count, r.problems) for r in reconcile_runs(unit, spec)]


def test_runs_as_loaded_balance(url: str, spec: DatasetSpec) -> None:
    """It finds no problem in runs the pipeline completed, and counts each run's rows."""
    assert reconciled(url, spec) == [(5, 3, 2, ()), (3, 3, 0, ())]


def test_a_lost_clean_row_unbalances_its_run_only(url: str, spec: DatasetSpec) -> None:
    """It names a raw record in neither table, and the clean count pipeline_runs recorded."""
    tamper(url, "DELETE FROM clean_sales WHERE order_id = 'ORD-0000011'")
    first, second = reconciled(url, spec)
    assert first == (5, 3, 2, ())
    assert any("neither clean_sales nor exceptions" in p for p in second[3])
    assert any(p.startswith("pipeline_runs.clean_count is 3, clean_sales holds 2") for p in second[3])


def test_a_record_both_clean_and_quarantined_unbalances(url: str, spec: DatasetSpec) -> None:
    """It refuses a quarantined record that is also in the clean table without a promotion."""
    first_clean, first_exception = "(SELECT MIN(record_id) FROM clean_sales)", "(SELECT MIN(id) FROM exceptions)"
    tamper(url, f"UPDATE exceptions SET original_record_id = {first_clean} WHERE id = {first_exception}")
    problems = reconciled(url, spec)[0][3]
    assert any("in both clean_sales and exceptions" in p for p in problems)


def test_a_wrong_recorded_count_or_analytics_sum_is_named(url: str, spec: DatasetSpec) -> None:
    """It compares the counts pipeline_runs recorded and the analytics' totals with the stored rows."""
    tamper(url, "UPDATE pipeline_runs SET exception_count = 7, raw_count = 6")
    tamper(url, "UPDATE analytics_summary SET value = value + 1 WHERE breakdown = 'region' AND measure = 'revenue'")
    problems = " | ".join(reconciled(url, spec)[0][3])
    assert "pipeline_runs.exception_count is 7, exceptions holds 2" in problems
    assert "raw_sales holds 5 records, the file has 6" in problems
    assert "analytics region/revenue sums to" in problems
