"""Backup and restore (issue 17), on SQLite and PostgreSQL: a database filled by real runs and steward actions is
backed up as the README says (`python -m flows.backup sqlite`; `pg_dump -Fc` and `pg_restore` as subprocesses),
restored into a fresh database, and the copy holds every table's rows, the same schema and alembic version, and
passes both checks of a restore: every run's reconciliation and the ledger's."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from _pytest.capture import CaptureFixture

from flows.backup import main as backup_main
from flows.constants import RunStatus
from flows.generate import DefectRates, generate_sales, write_generated
from flows.ledger import main as ledger_main
from flows.pipeline import run_pipeline
from flows.storage.engine import normalize_url
from tests.conftest import POSTGRES_ADMIN_URL, throwaway_database
from tests.integration.helpers import scalar
from tests.integration.stewarding import apply_actions, export_template

pytestmark = pytest.mark.usefixtures("prefect_harness")


def pg_tool(name: str, url: str) -> str:
    """The client binary `name` of the server's major version (Debian's versioned folder), else the PATH's."""
    major = int(str(scalar(url, "SHOW server_version_num"))) // 10000
    versioned = Path(f"/usr/lib/postgresql/{major}/bin") / name
    found = str(versioned) if versioned.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed (apt-get install -y postgresql-client)")
    return found


def libpq(url: str) -> str:
    """A SQLAlchemy URL as libpq reads it (no driver name)."""
    return normalize_url(url).replace("postgresql+psycopg2://", "postgresql://")


def fill(url: str, tmp_path: Path) -> list[str]:
    """Two generated 400-row files with disjoint order ids, then a corrections file on the first (a negative
    revenue waived as a refund, another corrected); the COMPLETED runs' ids."""
    monday, tuesday = generate_sales(400, seed=17), generate_sales(400, seed=18, first_order=1000)
    runs = []
    for name, generated in (("monday.csv", monday), ("tuesday.csv", tuesday)):
        write_generated(generated, tmp_path / name, 17, DefectRates())
        summary = run_pipeline(source=str(tmp_path / name))
        assert summary.status == RunStatus.COMPLETED and summary.exception_count
        runs.append(summary.run_id)
    other = {row for name, rows in monday.answer_key.items() if name != "negative_revenue" for row in rows}
    refund, typo = [row for row in monday.answer_key["negative_revenue"] if row not in other][:2]
    assert monday.undamaged is not None
    fixed = str(monday.undamaged.iloc[typo - 1]["revenue"])
    apply_actions(
        tmp_path,
        "fixes.csv",
        export_template(tmp_path, runs[0]),
        {
            monday.frame.iloc[refund - 1]["order_id"]: {"action": "waive", "note": "a refund"},
            monday.frame.iloc[typo - 1]["order_id"]: {"action": "correct", "note": "sign typo", "revenue": fixed},
        },
    )
    assert scalar(url, "SELECT COUNT(*) FROM exceptions WHERE status = 'PROMOTED'") == 2
    return sorted(runs)


@contextmanager
def restored_copy(url: str, tmp_path: Path) -> Iterator[str]:
    """Back up the database at `url` and restore it into a fresh database, as the README says; the copy's URL."""
    if url.startswith("sqlite"):
        assert backup_main(["sqlite", "--to", str(tmp_path / "backup" / "pipeline.db")]) == 0
        restored = tmp_path / "restored" / "pipeline.db"
        restored.parent.mkdir()
        shutil.copyfile(tmp_path / "backup" / "pipeline.db", restored)  # restoring is copying the file back
        yield f"sqlite:///{restored}"
        return
    dump = tmp_path / "pipeline.dump"
    subprocess.run([pg_tool("pg_dump", url), "-Fc", "-f", str(dump), libpq(url)], check=True, timeout=60)
    with throwaway_database(POSTGRES_ADMIN_URL, prefix="restore_test") as fresh:
        restore = [pg_tool("pg_restore", url), "--no-owner", "--no-acl", "--exit-on-error", "-d", libpq(fresh)]
        subprocess.run([*restore, str(dump)], check=True, timeout=60)
        yield fresh


def contents(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table the database's metadata lists, its rows sorted; its views' names and (PostgreSQL) its
    sequences' positions."""
    engine = sa.create_engine(normalize_url(url))
    try:
        inspector = sa.inspect(engine)
        tables = sorted(inspector.get_table_names())
        with engine.connect() as conn:
            found = {
                t: sorted((tuple(r) for r in conn.execute(sa.text(f'SELECT * FROM "{t}"'))), key=repr) for t in tables
            }
            if engine.dialect.name == "postgresql":  # where the next record and event ids come from
                sequences = conn.execute(sa.text("SELECT sequencename, last_value FROM pg_sequences ORDER BY 1"))
                found["(sequences)"] = [tuple(r) for r in sequences]
        return found | {"(views)": [(v,) for v in sorted(inspector.get_view_names())]}
    finally:
        engine.dispose()


def schema(url: str) -> str:
    """The schema as the database describes it: sqlite_master, or `pg_dump --schema-only` without owners."""
    if url.startswith("sqlite"):
        rows = rows_at(url, "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")
        return "\n".join(map(repr, rows))
    command = [pg_tool("pg_dump", url), "--schema-only", "--no-owner", "--no-acl", libpq(url)]
    text = subprocess.run(command, check=True, capture_output=True, text=True, timeout=60).stdout
    return "\n".join(
        line for line in text.splitlines() if not line.startswith(("-- Dumped", "\\restrict", "\\unrestrict"))
    )


def rows_at(url: str, sql: str) -> list[tuple[Any, ...]]:
    """Rows of a query on the database at `url`."""
    engine = sa.create_engine(normalize_url(url))
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()


def test_a_restored_backup_holds_every_row_and_reconciles(
    pipeline_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: CaptureFixture[str]
) -> None:
    """The copy has the same tables with the same rows, the same schema and alembic version; `python -m
    flows.backup verify` reconciles every COMPLETED run in it and `python -m flows.ledger check` passes; a row
    taken out of the copy afterwards fails the run check."""
    completed = fill(pipeline_env, tmp_path)
    original, original_schema = contents(pipeline_env), schema(pipeline_env)
    with restored_copy(pipeline_env, tmp_path) as copy:
        restored = contents(copy)
        assert sorted(restored) == sorted(original)
        assert {"alembic_version", "pipeline_runs", "clean_sales", "exception_events"} <= set(original)
        assert {t: len(rows) for t, rows in restored.items()} == {t: len(rows) for t, rows in original.items()}
        assert restored == original
        assert schema(copy) == original_schema
        version = scalar(copy, "SELECT version_num FROM alembic_version")
        assert version and version == scalar(pipeline_env, "SELECT version_num FROM alembic_version")

        monkeypatch.setenv("DATABASE_URL", copy)
        capsys.readouterr()
        assert backup_main(["verify"]) == 0
        report = capsys.readouterr().out
        checked = [line.split() for line in report.splitlines() if line.startswith("sales  run ")]
        assert sorted(words[2] for words in checked) == completed and report.endswith("runs: balanced\n")
        assert all(words[-1] == "balanced" for words in checked)
        assert ledger_main(["check"]) == 0

        promoted = scalar(copy, "SELECT MIN(record_id) FROM clean_sales WHERE promoted_from_exception_id IS NOT NULL")
        engine = sa.create_engine(normalize_url(copy))
        with engine.begin() as conn:  # a promoted row lost: its run no longer balances
            conn.execute(sa.text("DELETE FROM clean_sales WHERE record_id = :id"), {"id": promoted})
        engine.dispose()
        capsys.readouterr()
        assert backup_main(["verify"]) == 1
        report = capsys.readouterr().out
        assert "UNBALANCED" in report and "in neither clean_sales nor exceptions" in report
