"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26 03:44:18.939874
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analytics_summary",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("dataset", sa.String(length=64), nullable=False),
        sa.Column("breakdown", sa.String(length=128), nullable=False),
        sa.Column("key_1", sa.Text(), nullable=True),
        sa.Column("key_2", sa.Text(), nullable=True),
        sa.Column("measure", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("analytics_summary", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_analytics_summary_run_id"), ["run_id"], unique=False
        )

    op.create_table(
        "audit_log",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("dataset", sa.String(length=64), nullable=False),
        sa.Column("flow_run_id", sa.String(length=36), nullable=True),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("logged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("records_in", sa.Integer(), nullable=True),
        sa.Column("records_out", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("suite_name", sa.String(length=128), nullable=True),
        sa.Column("suite_version", sa.String(length=64), nullable=True),
        sa.Column("details", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_log_run_id"), ["run_id"], unique=False
        )

    id_blocks = op.create_table(
        "id_blocks",
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("next_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("table_name"),
    )
    op.bulk_insert(id_blocks, [{"table_name": "raw_sales", "next_id": 1}])
    op.create_table(
        "pipeline_runs",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("dataset", sa.String(length=64), nullable=False),
        sa.Column("flow_run_id", sa.String(length=36), nullable=True),
        sa.Column("source_name", sa.Text(), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=True),
        sa.Column("source_bytes", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("suite_name", sa.String(length=128), nullable=False),
        sa.Column("suite_version", sa.String(length=64), nullable=False),
        sa.Column("raw_count", sa.Integer(), nullable=True),
        sa.Column("clean_count", sa.Integer(), nullable=True),
        sa.Column("exception_count", sa.Integer(), nullable=True),
        sa.Column("validation_result_count", sa.Integer(), nullable=True),
        sa.Column("warning_count", sa.Integer(), nullable=True),
        sa.Column("analytics_count", sa.Integer(), nullable=True),
        sa.Column("reconciled", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("run_id"),
    )
    with op.batch_alter_table("pipeline_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pipeline_runs_dataset"), ["dataset"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_pipeline_runs_source_sha256"),
            ["source_sha256"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_pipeline_runs_status"), ["status"], unique=False
        )

    op.create_table(
        "raw_sales",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("source_name", sa.Text(), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=False),
        sa.Column("ingestion_timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("order_id", sa.Text(), nullable=True),
        sa.Column("order_date", sa.Text(), nullable=True),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("product", sa.Text(), nullable=True),
        sa.Column("quantity", sa.Text(), nullable=True),
        sa.Column("revenue", sa.Text(), nullable=True),
        sa.Column("extra_fields", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("raw_sales", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_raw_sales_run_id"), ["run_id"], unique=False
        )

    op.create_table(
        "clean_sales",
        sa.Column("record_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("order_id", sa.Text(), nullable=False),
        sa.Column("order_date", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=64), nullable=False),
        sa.Column("product", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column(
            "revenue_per_unit", sa.Numeric(precision=12, scale=2), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["raw_sales.id"],
        ),
        sa.PrimaryKeyConstraint("record_id"),
    )
    with op.batch_alter_table("clean_sales", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_clean_sales_run_id"), ["run_id"], unique=False
        )

    op.create_table(
        "exceptions",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("dataset", sa.String(length=64), nullable=False),
        sa.Column("original_record_id", sa.BigInteger(), nullable=False),
        sa.Column("error_category", sa.String(length=64), nullable=False),
        sa.Column("pipeline_stage", sa.String(length=32), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("error_details", sa.Text(), nullable=False),
        sa.Column("raw_data", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["original_record_id"],
            ["raw_sales.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("original_record_id"),
    )
    with op.batch_alter_table("exceptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exceptions_error_category"), ["error_category"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_exceptions_run_id"), ["run_id"], unique=False
        )

    op.create_table(
        "validation_results",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("dataset", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=True),
        sa.Column("rule_id", sa.String(length=36), nullable=False),
        sa.Column("rule_name", sa.String(length=128), nullable=False),
        sa.Column("expectation_type", sa.String(length=128), nullable=False),
        sa.Column("column_name", sa.String(length=128), nullable=True),
        sa.Column("control_type", sa.String(length=32), nullable=False),
        sa.Column("error_category", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("observed_value", sa.Text(), nullable=True),
        sa.Column("details", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["raw_sales.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("validation_results", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_validation_results_record_id"), ["record_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_validation_results_run_id"), ["run_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("validation_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_validation_results_run_id"))
        batch_op.drop_index(batch_op.f("ix_validation_results_record_id"))

    op.drop_table("validation_results")
    with op.batch_alter_table("exceptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exceptions_run_id"))
        batch_op.drop_index(batch_op.f("ix_exceptions_error_category"))

    op.drop_table("exceptions")
    with op.batch_alter_table("clean_sales", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clean_sales_run_id"))

    op.drop_table("clean_sales")
    with op.batch_alter_table("raw_sales", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_raw_sales_run_id"))

    op.drop_table("raw_sales")
    with op.batch_alter_table("pipeline_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pipeline_runs_status"))
        batch_op.drop_index(batch_op.f("ix_pipeline_runs_source_sha256"))
        batch_op.drop_index(batch_op.f("ix_pipeline_runs_dataset"))

    op.drop_table("pipeline_runs")
    op.drop_table("id_blocks")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_run_id"))

    op.drop_table("audit_log")
    with op.batch_alter_table("analytics_summary", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analytics_summary_run_id"))

    op.drop_table("analytics_summary")
