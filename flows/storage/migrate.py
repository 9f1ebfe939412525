"""Apply the Alembic migrations up to head; safe to call at every run."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine

from flows.constants import LockKey

MIGRATIONS = Path(__file__).with_name("migrations")


def upgrade(connection: Connection) -> None:
    """Bring the schema to the newest migration inside the connection's transaction."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection.dialect.name == "postgresql":
        # Concurrent first runs must not race to create the same tables.
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({int(LockKey.SCHEMA_CHANGES)})")
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def upgrade_to_head(engine: Engine) -> None:
    """Bring the database schema to the newest migration, in a transaction of its own."""
    with engine.begin() as connection:
        upgrade(connection)


def main() -> None:
    """Command line: migrate the database that DATABASE_URL names."""
    from flows.settings import get_settings
    from flows.storage.engine import get_engine, mask_url

    url = get_settings().database_url.get_secret_value()
    upgrade_to_head(get_engine(url))
    print(f"database {mask_url(url)} is at the newest schema")


if __name__ == "__main__":
    main()
