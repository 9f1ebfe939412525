"""Alerts: one row per finding about a run (a fixed threshold crossed, an anomaly, a rejected or failed run).

- kind: threshold, anomaly, run_rejected or run_failed (flows.constants.AlertKind);
- metric, value and expected (a threshold like "<= 0.25" or a range like "800 to 1,200"), details as JSON
  (the range's median and MAD, the runs compared with, the reason of a rejected or failed run);
- notified: NULL until the finding's Prefect event was attempted, then true or false with notify_error.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("run_id", sa.String(36), nullable=False, index=True),
        sa.Column("dataset", sa.String(64), nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("metric", sa.String(200), nullable=False),
        sa.Column("value", sa.Float),
        sa.Column("expected", sa.Text, nullable=False),
        sa.Column("details", sa.JSON),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notified", sa.Boolean),
        sa.Column("notify_error", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("alerts")
