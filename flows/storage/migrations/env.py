"""Alembic environment: migrate the connection handed over by flows.storage.migrate, or DATABASE_URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from flows.storage.models import Base


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    from flows.settings import get_settings
    from flows.storage.engine import get_engine

    with get_engine(get_settings().database_url.get_secret_value()).begin() as conn:
        _run(conn)
