"""Secrets: the DATABASE_URL password appears nowhere a run leaves traces (output, Prefect, Data Docs, tables)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import ROOT
from tests.factories import make_frame, write_csv

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]


@pytest.fixture
def password_url(postgres_url: str) -> Iterator[tuple[str, str, str]]:
    """The test database through a login role with a distinctive password: (url, password, admin url)."""
    role, password = f"secret_writer_{uuid.uuid4().hex[:8]}", f"Pw-{uuid.uuid4().hex}-Zq9"
    admin = sa.create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg2://"))
    database = postgres_url.rsplit("/", 1)[1]
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'"))
        conn.execute(sa.text(f'GRANT ALL ON DATABASE "{database}" TO {role}'))
        conn.execute(sa.text(f"GRANT ALL ON SCHEMA public TO {role}"))
    host = postgres_url.split("@", 1)[1]
    yield f"postgresql://{role}:{password}@{host}", password, postgres_url
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP OWNED BY {role}"))
        conn.execute(sa.text(f"DROP ROLE {role}"))
    admin.dispose()


def _cli(source: Path, url: str, docs: Path) -> subprocess.CompletedProcess[str]:
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "DATABASE_URL": url, "DOCS_DIR": str(docs), "PREFECT_LOGGING_LEVEL": "DEBUG"}
    env["PREFECT_API_URL"] = str(PREFECT_API_URL.value())  # the harness's API, so its logs can be scanned
    command = [sys.executable, "-m", "flows.pipeline", "--source", str(source)]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


PAGE = 50  # small on purpose: every read pages until the API runs dry, so no limit can truncate the scan


async def _all_pages(read: Callable[..., Awaitable[list[Any]]], **filters: Any) -> list[Any]:
    """Every record `read` returns for `filters`, page after page."""
    records: list[Any] = []
    while batch := await read(**filters, limit=PAGE, offset=len(records)):
        records += batch
    return records


async def _prefect_records(token: str) -> dict[str, list[Any]]:
    """The flow runs this test started (their names carry `token`) and all their task runs, logs and artifacts."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterId,
        FlowRunFilterName,
        LogFilter,
        LogFilterFlowRunId,
    )

    async with get_client() as client:
        mine = FlowRunFilter(name=FlowRunFilterName(like_=token))
        flow_runs = await _all_pages(client.read_flow_runs, flow_run_filter=mine)
        ids = [run.id for run in flow_runs]
        by_id = FlowRunFilter(id=FlowRunFilterId(any_=ids))
        return {
            "flow runs": flow_runs,
            "task runs": await _all_pages(client.read_task_runs, flow_run_filter=by_id),
            "logs": await _all_pages(client.read_logs, log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=ids))),
            "artifacts": await _all_pages(client.read_artifacts, flow_run_filter=by_id),
        }


def _database_text(url: str) -> str:
    """Every row of every table of the database, as text."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg2://"))
    with engine.connect() as conn:
        tables = sa.inspect(conn).get_table_names()
        text = "\n".join(str(conn.execute(sa.text(f'SELECT * FROM "{t}"')).fetchall()) for t in tables)
    engine.dispose()
    return text


def test_password_appears_nowhere_a_run_leaves_traces(password_url: tuple[str, str, str], tmp_path: Path) -> None:
    """It completes, fails mid-run and fails to connect, and the password is in no output, log, artifact, doc or row."""
    url, password, admin_url = password_url
    token = f"secret-scan-{uuid.uuid4().hex}"  # in each flow run's name ("sales: <file>"), to find this test's runs
    source = write_csv(tmp_path / f"{token}.csv", make_frame(5, rows=[{"revenue": "-1.00"}]))
    docs = tmp_path / "docs"
    completed = _cli(source, url, docs)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the docs folder should be")
    later = write_csv(tmp_path / f"{token}-day2.csv", make_frame(5, rows=[{"revenue": "-1.00"}], first=11))
    failed_mid_run = _cli(later, url, blocked)  # another day's file, so its own order ids
    # Drivers echo parts of the DSN in their errors; a database named after the password makes the error carry it.
    unreachable = _cli(source, f"{url.rsplit('/', 1)[0]}/no_such_{password}", docs)

    assert completed.returncode == 0, completed.stderr
    assert failed_mid_run.returncode == 1 and "FAILED: " in failed_mid_run.stderr
    assert unreachable.returncode == 1 and "does not exist" in unreachable.stderr
    statuses = _database_text(admin_url)
    assert "COMPLETED" in statuses and "FAILED" in statuses

    prefect = asyncio.run(_prefect_records(token))
    seen = {kind: len(records) for kind, records in prefect.items()}
    assert seen["flow runs"] == 3 and min(seen.values()) > 0, seen  # the scan saw every run and something of each
    assert sorted(run.state_type.value for run in prefect["flow runs"]) == ["COMPLETED", "FAILED", "FAILED"]
    outputs = [completed, failed_mid_run, unreachable]
    places: dict[str, str] = {
        "command output": "\n".join(p.stdout + p.stderr for p in outputs),
        "Prefect API": "\n".join(repr(r) for records in prefect.values() for r in records),
        "Data Docs": "\n".join(p.read_text(errors="replace") for p in docs.rglob("*") if p.is_file()),
        "database rows": statuses,
    }
    assert "dataset-pipeline" in places["Prefect API"] and "<html" in places["Data Docs"]
    leaks = [place for place, text in places.items() if password in text]
    assert not leaks, f"the password leaked into: {leaks}"
