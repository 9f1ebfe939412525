"""analytics_summary.key_3: breakdowns of up to three columns (e.g. day x region x product)

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("analytics_summary") as batch_op:
        batch_op.add_column(sa.Column("key_3", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("analytics_summary") as batch_op:
        batch_op.drop_column("key_3")
