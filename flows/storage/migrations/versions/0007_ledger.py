"""The ledger: one de-duplicated, current view of each dataset across every file loaded.

- Every dataset's clean table gains supersedes_record_id (on a later file's row that replaced an earlier one),
  superseded_by_record_id and superseded_in_run_id (on the earlier row: what replaced it, in which run).
  Nothing is deleted: a superseded row stays, out of the current view.
- ledger_summary: analytics_summary's long format per dataset, over the whole current ledger. It starts as
  the sum of every COMPLETED run's analytics (files loaded before this migration are not compared with each
  other; their rows count as loaded).
- The current view (current_<clean table>) and the index on the business key are made per dataset when a
  run opens (flows/storage/tables.py), since only the spec names the key.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

LEDGER = (("supersedes_record_id", sa.BigInteger), ("superseded_by_record_id", sa.BigInteger))
SUPERSEDED_IN = ("superseded_in_run_id", sa.String(36))
KEYS = "breakdown, key_1, key_2, key_3, measure"


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
    op.create_table(
        "ledger_summary",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("dataset", sa.String(64), nullable=False, index=True),
        sa.Column("breakdown", sa.String(128), nullable=False),
        sa.Column("key_1", sa.Text),
        sa.Column("key_2", sa.Text),
        sa.Column("key_3", sa.Text),
        sa.Column("measure", sa.String(64), nullable=False),
        sa.Column("value", sa.Numeric(24, 6), nullable=False),
    )
    for name in clean_tables(bind):
        with op.batch_alter_table(name) as batch_op:
            for column, kind in (*LEDGER, SUPERSEDED_IN):
                batch_op.add_column(sa.Column(column, kind))
    op.execute(
        f"INSERT INTO ledger_summary (dataset, {KEYS}, value) "
        f"SELECT a.dataset, {', '.join('a.' + k for k in KEYS.split(', '))}, SUM(a.value) FROM analytics_summary a "
        "JOIN pipeline_runs r ON r.run_id = a.run_id WHERE r.status = 'COMPLETED' "
        f"GROUP BY a.dataset, {', '.join('a.' + k for k in KEYS.split(', '))}"
    )


def downgrade() -> None:
    bind = op.get_bind()
    for name in clean_tables(bind):
        op.execute(f"DROP VIEW IF EXISTS current_{name}")
        with op.batch_alter_table(name) as batch_op:
            for column, _ in (*LEDGER, SUPERSEDED_IN):
                batch_op.drop_column(column)
    op.drop_table("ledger_summary")
