"""Exception management: each exception's status, its append-only events, and lineage on clean rows.

- exceptions.status (OPEN, PROMOTED, DISMISSED), kept beside the events in the same transaction.
- exception_events: one row per steward action (a trigger refuses UPDATE and DELETE): who, when, the required
  note, the corrected values, the suite version the replay validated with, and the replay run.
- Every dataset's clean table gains promoted_from_exception_id and promotion_event_id (NULL for rows
  loaded from a file). A clean table's primary key is record_id, the raw record's id: a promotion can
  never make a second clean row for the same raw record.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

LINEAGE = ("promoted_from_exception_id", "promotion_event_id")
REFUSAL = "exception_events are append-only: events are never updated or deleted"
APPEND_ONLY = {  # the database itself refuses to change or remove an event
    "sqlite": [
        f"CREATE TRIGGER exception_events_no_{verb.lower()} BEFORE {verb} ON exception_events "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
        for verb in ("UPDATE", "DELETE")
    ],
    "postgresql": [
        "CREATE FUNCTION exception_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$",
        "CREATE TRIGGER exception_events_append_only BEFORE UPDATE OR DELETE ON exception_events "
        "FOR EACH ROW EXECUTE FUNCTION exception_events_append_only()",
    ],
}


def clean_tables(bind: sa.Connection) -> list[str]:
    """Every dataset's clean table: the tables whose primary key is record_id alone."""
    inspector = sa.inspect(bind)
    return [
        name
        for name in inspector.get_table_names()
        if inspector.get_pk_constraint(name).get("constrained_columns") == ["record_id"]
    ]


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("exceptions") as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(16), nullable=False, server_default="OPEN"))
    op.create_index("ix_exceptions_status", "exceptions", ["status"])
    op.create_table(
        "exception_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("exception_id", sa.BigInteger, sa.ForeignKey("exceptions.id"), nullable=False, index=True),
        sa.Column("run_id", sa.String(36), nullable=False, index=True),
        sa.Column("dataset", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("status_after", sa.String(16), nullable=False),
        sa.Column("user_name", sa.String(128), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("corrected_values", sa.JSON),
        sa.Column("findings", sa.JSON),
        sa.Column("suite_name", sa.String(128), nullable=False),
        sa.Column("suite_version", sa.String(64), nullable=False),
        sa.Column("replay_run_id", sa.String(36), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    for name in clean_tables(bind):
        with op.batch_alter_table(name) as batch_op:
            for column in LINEAGE:
                batch_op.add_column(sa.Column(column, sa.BigInteger))
    for statement in APPEND_ONLY[bind.dialect.name]:
        op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    for name in clean_tables(bind):
        with op.batch_alter_table(name) as batch_op:
            for column in LINEAGE:
                batch_op.drop_column(column)
    op.drop_table("exception_events")
    if bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION exception_events_append_only()")
    op.drop_index("ix_exceptions_status", "exceptions")
    with op.batch_alter_table("exceptions") as batch_op:
        batch_op.drop_column("status")
