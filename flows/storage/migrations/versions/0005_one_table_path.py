"""One table path: the sales tables become exactly what the sales spec builds, like every dataset's;
analytics values hold up to 6 decimal places.

- raw_sales and clean_sales holding no rows are dropped: the first sales run creates them from the
  spec (flows/storage/tables.py), like any other dataset's tables.
- Otherwise clean_sales takes the spec's types, keeping its rows: region and product TEXT,
  quantity BIGINT, revenue_per_unit nullable (a derived column is nullable for every dataset).
- analytics_summary.value: NUMERIC(18,2) -> NUMERIC(24,6), so a measure with scale 4 sums exactly.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("analytics_summary") as batch_op:
        batch_op.alter_column(
            "value", type_=sa.Numeric(24, 6), existing_type=sa.Numeric(18, 2), existing_nullable=False
        )
    if not sa.inspect(bind).has_table("raw_sales"):
        return
    if bind.execute(sa.text("SELECT COUNT(*) FROM raw_sales")).scalar() == 0:
        op.drop_table("clean_sales")
        op.drop_table("raw_sales")
        return
    with op.batch_alter_table("clean_sales") as batch_op:
        for column in ("region", "product"):
            batch_op.alter_column(column, type_=sa.Text(), existing_type=sa.String(64), existing_nullable=False)
        batch_op.alter_column("quantity", type_=sa.BigInteger(), existing_type=sa.Integer(), existing_nullable=False)
        batch_op.alter_column("revenue_per_unit", nullable=True, existing_type=sa.Numeric(12, 2))


def downgrade() -> None:
    bind = op.get_bind()
    if sa.inspect(bind).has_table("clean_sales"):
        with op.batch_alter_table("clean_sales") as batch_op:
            batch_op.alter_column("revenue_per_unit", nullable=False, existing_type=sa.Numeric(12, 2))
            batch_op.alter_column("quantity", type_=sa.Integer(), existing_type=sa.BigInteger())
            for column in ("region", "product"):
                batch_op.alter_column(column, type_=sa.String(64), existing_type=sa.Text())
    with op.batch_alter_table("analytics_summary") as batch_op:
        batch_op.alter_column("value", type_=sa.Numeric(18, 2), existing_type=sa.Numeric(24, 6))
