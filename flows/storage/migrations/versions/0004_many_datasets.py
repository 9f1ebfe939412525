"""Many datasets: raw_sales and clean_sales say their dataset; findings and exceptions may point at any
dataset's raw table; record ids come from one sequence shared by every dataset.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The foreign keys 0001 created without names, as each dialect names them.
UNNAMED_FKS = (("validation_results", "record_id"), ("exceptions", "original_record_id"))
SQLITE_FK_NAMES = {"fk": "fk_%(table_name)s_%(column_0_name)s"}


def upgrade() -> None:
    for table in ("raw_sales", "clean_sales"):
        op.add_column(table, sa.Column("dataset", sa.String(64), nullable=False, server_default="sales"))
    for table, column in UNNAMED_FKS:
        if op.get_bind().dialect.name == "sqlite":
            with op.batch_alter_table(table, naming_convention=SQLITE_FK_NAMES, recreate="always") as batch_op:
                batch_op.drop_constraint(f"fk_{table}_{column}", type_="foreignkey")
        else:
            op.drop_constraint(f"{table}_{column}_fkey", table, type_="foreignkey")
    op.execute("UPDATE id_blocks SET table_name = 'records' WHERE table_name = 'raw_sales'")


def downgrade() -> None:
    op.execute("UPDATE id_blocks SET table_name = 'raw_sales' WHERE table_name = 'records'")
    for table, column in UNNAMED_FKS:
        with op.batch_alter_table(table) as batch_op:
            batch_op.create_foreign_key(f"fk_{table}_{column}", "raw_sales", [column], ["id"])
    for table in ("raw_sales", "clean_sales"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("dataset")
