"""Shared fixtures: databases (SQLite and a throwaway PostgreSQL database), the Prefect harness."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Admin connection used to create and drop throwaway test databases.
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES", "") == "1" or os.environ.get("CI", "") == "true"

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def pytest_configure(config: pytest.Config) -> None:
    """Apply the process-wide settings every entry point applies (quiet GX, unlimited CSV fields)."""
    from flows.startup import configure_process

    configure_process()


def _admin_connection():  # type: ignore[no-untyped-def]
    import psycopg2

    from flows.storage.engine import normalize_url

    dsn = normalize_url(POSTGRES_ADMIN_URL).replace("postgresql+psycopg2://", "postgresql://")
    conn = psycopg2.connect(dsn, connect_timeout=5)
    conn.autocommit = True
    return conn


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The admin URL of a reachable PostgreSQL; skips (or fails, in CI) when there is none."""
    try:
        _admin_connection().close()
    except Exception as exc:  # noqa: BLE001 - any failure means "no server here"
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required here but unreachable at {POSTGRES_ADMIN_URL}: {exc}")
        pytest.skip(f"no PostgreSQL reachable at {POSTGRES_ADMIN_URL} (set TEST_POSTGRES_URL)")
    return POSTGRES_ADMIN_URL


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
