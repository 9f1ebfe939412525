"""Dataset specs built in memory for the dashboard's unit tests (no YAML, no GX suite file).

TEA: tea-shop orders in rupees (INR, revenue at scale 2, two dimensions, a missing-product key).
LAB: lab assays in euros at scale 4, a derived ratio at scale 6 as a third measure, one dimension.
"""

from __future__ import annotations

from dataclasses import replace

from flows.constants import ControlType, ErrorCategory, Severity
from flows.dataset import AnalyticsSpec, ColumnSpec, DatasetSpec, RatioSpec, Rule, Suite


def rule(name: str, control: ControlType, category: ErrorCategory, severity: Severity = Severity.ERROR) -> Rule:
    """One control of a suite, described by its name."""
    column = name.split("_")[0]
    return Rule(name, name, "expect_column_values_to_be_valid", column, control, category, severity, f"Checks {name}.")


def make_spec(
    name: str,
    columns: tuple[ColumnSpec, ...],
    analytics: AnalyticsSpec,
    rules: tuple[Rule, ...],
    derived: tuple[RatioSpec, ...] = (),
    missing_values: tuple[str, ...] = ("",),
) -> DatasetSpec:
    """A dataset spec with its suite, titled after its name."""
    suite = Suite(name=f"{name}_checks", document={}, rules=rules, version="v1")
    return DatasetSpec(
        name=name,
        title=name.replace("_", " ").capitalize(),
        suite=suite,
        raw_table=f"raw_{name}",
        clean_table=f"clean_{name}",
        business_key=columns[0].name,
        columns=columns,
        derived=derived,
        analytics=analytics,
        missing_values=missing_values,
    )


TEA = make_spec(
    "tea_orders",
    columns=(
        ColumnSpec("order_id", "string", True),
        ColumnSpec("order_date", "date", True, format="%Y-%m-%d"),
        ColumnSpec("region", "string", True),
        ColumnSpec("product", "string", False),
        ColumnSpec("quantity", "integer", True),
        ColumnSpec("revenue", "decimal", True, precision=12, scale=2),
    ),
    derived=(RatioSpec("revenue_per_unit", "revenue", "quantity", 3),),
    analytics=AnalyticsSpec(
        date="order_date",
        dimensions=("region", "product"),
        measures=("revenue", "quantity"),
        breakdowns=(("order_date",), ("region",), ("order_date", "region", "product")),
        currency="INR",
    ),
    rules=(
        rule("revenue_column_present", ControlType.SCHEMA, ErrorCategory.MISSING_REQUIRED_FIELD),
        rule("region_not_null", ControlType.DATA_QUALITY, ErrorCategory.MISSING_REQUIRED_FIELD),
        rule("region_in_set", ControlType.DATA_QUALITY, ErrorCategory.DATA_QUALITY_ISSUE),
        rule("revenue_is_amount", ControlType.DATA_QUALITY, ErrorCategory.DATA_FORMAT_ERROR),
        rule("revenue_positive", ControlType.BUSINESS_RULE, ErrorCategory.BUSINESS_RULE_VIOLATION),
        rule("order_id_unique", ControlType.DUPLICATE, ErrorCategory.DATA_QUALITY_ISSUE),
        rule("product_known", ControlType.DATA_QUALITY, ErrorCategory.DATA_QUALITY_ISSUE, Severity.WARNING),
    ),
)

LAB = make_spec(
    "lab_assays",
    columns=(
        ColumnSpec("sample_id", "string", True),
        ColumnSpec("taken_on", "date", True, format="%Y-%m-%d"),
        ColumnSpec("site", "string", False),
        ColumnSpec("price", "decimal", True, precision=14, scale=4),
        ColumnSpec("minutes", "integer", True),
    ),
    derived=(RatioSpec("price_per_minute", "price", "minutes", 6),),
    analytics=AnalyticsSpec(
        date="taken_on",
        dimensions=("site",),
        measures=("price", "minutes", "price_per_minute"),
        breakdowns=(("taken_on",), ("site",), ("taken_on", "site")),
        currency="EUR",
    ),
    rules=(
        rule("price_is_amount", ControlType.DATA_QUALITY, ErrorCategory.DATA_FORMAT_ERROR),
        rule("site_known", ControlType.DATA_QUALITY, ErrorCategory.DATA_QUALITY_ISSUE),
        rule("sample_id_unique", ControlType.DUPLICATE, ErrorCategory.DATA_QUALITY_ISSUE),
    ),
    missing_values=("", "N/A"),
)

LAB_WITHOUT_CURRENCY = replace(LAB, analytics=replace(LAB.analytics, currency=None))
