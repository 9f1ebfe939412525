"""Shared fixtures: databases (SQLite and a throwaway PostgreSQL database), the Prefect harness."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Admin connection used to create and drop throwaway test databases.
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
CHROMIUM = Path("/usr/bin/chromium")

# Tests never write into the checkout's data/ folder: a run that names no folders of its own (a command line in a
# subprocess, a test without pipeline_env) puts its Data Docs and work files in this process's scratch folder.
SCRATCH = Path(tempfile.mkdtemp(prefix="pipeline-tests-"))
atexit.register(shutil.rmtree, SCRATCH, ignore_errors=True)
os.environ["DOCS_DIR"] = str(SCRATCH / "docs")
os.environ["WORK_DIR"] = str(SCRATCH / "work")
# Nor into the user's Prefect home: a one-shot run's temporary server opens PREFECT_HOME's database, which holds
# whatever `make deploy-local` set up there (automations notifying a webhook, for one).
os.environ["PREFECT_HOME"] = str(SCRATCH / "prefect-home")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def pytest_configure(config: pytest.Config) -> None:
    """Apply the process-wide settings every entry point applies (quiet GX, unlimited CSV fields)."""
    from flows.startup import configure_process

    configure_process()


def is_required(setting: str, environ: Mapping[str, str] = os.environ) -> bool:
    """Whether a `REQUIRE_*` setting (REQUIRE_POSTGRES, REQUIRE_BROWSER) is on: 1, true or yes, in any case."""
    return environ.get(setting, "").strip().lower() in {"1", "true", "yes"}


def availability(available: bool, required: bool) -> Literal["run", "skip", "fail"]:
    """The one rule for an outside part (PostgreSQL, Chromium): run when there, else fail if required, else skip."""
    if available:
        return "run"
    return "fail" if required else "skip"


def require(setting: str, available: bool, reason: str) -> None:
    """Apply the rule: return when the part is there; else fail (setting on) or skip, with `reason`."""
    decision = availability(available, is_required(setting))
    if decision == "fail":
        pytest.fail(f"{reason} ({setting} is set, so this is a failure, not a skip)")
    if decision == "skip":
        pytest.skip(f"{reason} (set {setting}=1 to make this a failure)")


def _admin_connection():  # type: ignore[no-untyped-def]
    import psycopg2

    from flows.storage.engine import normalize_url

    dsn = normalize_url(POSTGRES_ADMIN_URL).replace("postgresql+psycopg2://", "postgresql://")
    conn = psycopg2.connect(dsn, connect_timeout=5)
    conn.autocommit = True
    return conn


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The admin URL of a reachable PostgreSQL; skips when there is none, fails instead under REQUIRE_POSTGRES."""
    try:
        _admin_connection().close()
        problem = ""
    except Exception as exc:  # noqa: BLE001 - any failure means "no server here"
        problem = f"no PostgreSQL reachable at {POSTGRES_ADMIN_URL} (set TEST_POSTGRES_URL): {exc}"
    require("REQUIRE_POSTGRES", not problem, problem)
    return POSTGRES_ADMIN_URL


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """Debian's Chromium for the browser tests; skips when it is missing, fails instead under REQUIRE_BROWSER."""
    reason = f"{CHROMIUM} is missing (apt-get install -y chromium); the browser tests need it"
    require("REQUIRE_BROWSER", CHROMIUM.exists(), reason)
    return CHROMIUM


@contextmanager
def throwaway_database(admin_url: str, prefix: str = "pipeline_test") -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the admin URL's server, dropped (forcibly) on exit."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = _admin_connection()
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
    finally:
        from flows.storage.engine import get_engine

        get_engine.cache_clear()
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    with throwaway_database(postgres_server) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite database file for one test."""
    return f"sqlite:///{tmp_path / 'pipeline.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def pipeline_env(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """Point the pipeline's settings at the test database, a scratch docs folder and the repo's expectations."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("DOCS_DIR", str(tmp_path / "docs"))
    monkeypatch.setenv("EXPECTATIONS_DIR", str(ROOT / "expectations"))
    return database_url


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One isolated temporary Prefect API for the whole session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield
