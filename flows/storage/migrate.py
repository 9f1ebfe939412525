"""Apply the Alembic migrations up to head; safe to call at every run."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def upgrade_to_head(engine: Engine) -> None:
    """Bring the database schema to the newest migration."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # Concurrent first runs must not race to create the same tables.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7250001)")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def main() -> None:
    """Command line: migrate the database that DATABASE_URL names."""
    from flows.settings import get_settings
    from flows.storage.engine import get_engine, mask_url

    url = get_settings().database_url.get_secret_value()
    upgrade_to_head(get_engine(url))
    print(f"database {mask_url(url)} is at the newest schema")


if __name__ == "__main__":
    main()
