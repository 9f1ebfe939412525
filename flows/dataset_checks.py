"""The checks a dataset spec must pass before any run uses it: plain SQL names, known columns, the rules
the pipeline relies on (not-null for required fields, a DUPLICATE rule on the key) and exact decimals."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from flows.constants import VALUE_SCALE, ControlType
from flows.suite import SpecError

if TYPE_CHECKING:
    from flows.dataset import DatasetSpec

IDENTIFIER = re.compile(r"[a-z][a-z0-9_]{0,62}")  # table and field names are used in SQL: keep them plain
SCHEMA_ONLY = ("expect_table_columns_to_match_set",)  # its column_set may name columns the spec does not
SHARED_TABLES = (
    "pipeline_runs",
    "validation_results",
    "exceptions",
    "exception_events",
    "audit_log",
    "analytics_summary",
    "ledger_summary",
    "id_blocks",
    "alerts",
)
LEDGER_EXPECTATION = "expect_column_values_to_not_be_in_set"  # its value_set: this file's keys already loaded
MAX_PRECISION, MAX_RATIO_PRECISION = 18, 15  # decimals are typed as int64 minor units; ratios via float64


def check_dataset(spec: DatasetSpec) -> None:
    """Refuse a spec whose names, references, rules or decimals do not agree; the message says what and where."""
    _check_identifiers(spec)
    names = set(spec.column_names)
    referenced = {spec.business_key, spec.analytics.date, *spec.analytics.dimensions}
    referenced |= {m for m in spec.analytics.measures} | {c for b in spec.analytics.breakdowns for c in b}
    referenced |= {c for d in spec.derived for c in (d.numerator, d.denominator)}
    referenced |= {c for r in spec.suite.rules for c in r.columns if r.expectation_type not in SCHEMA_ONLY}
    too_wide = [b for b in spec.analytics.breakdowns if not 1 <= len(b) <= 3]
    if too_wide:
        raise SpecError(f"dataset {spec.name}: a breakdown groups by 1 to 3 columns, not {too_wide}")
    unknown = referenced - names - {d.name for d in spec.derived}
    if unknown:
        raise SpecError(f"dataset {spec.name}: unknown columns referenced: {sorted(unknown)}")
    not_null = {r.column for r in spec.suite.rules if r.expectation_type.endswith("_to_not_be_null")}
    uncovered = [c.name for c in spec.columns if c.required and c.name not in not_null]
    if uncovered:
        raise SpecError(f"dataset {spec.name}: required columns without a not-null rule: {uncovered}")
    if not any(
        r.control_type == ControlType.DUPLICATE and r.column == spec.business_key and not r.ledger
        for r in spec.suite.rules
    ):
        raise SpecError(f"dataset {spec.name}: no DUPLICATE rule on business key {spec.business_key}")
    ledger = [r for r in spec.suite.rules if r.ledger]
    if len(ledger) > 1 or any(
        r.expectation_type != LEDGER_EXPECTATION or r.column != spec.business_key for r in ledger
    ):
        raise SpecError(
            f"dataset {spec.name}: the ledger rule (meta.ledger) is one {LEDGER_EXPECTATION} on {spec.business_key}"
        )
    date = next((c for c in spec.columns if c.name == spec.analytics.date), None)
    if date is None or date.type != "date" or not date.required:
        raise SpecError(f"dataset {spec.name}: analytics.date {spec.analytics.date} must be a required date column")
    _check_decimals(spec)
    if spec.alerts.max_quarantined_amount is not None and spec.headline_measure is None:
        raise SpecError(f"dataset {spec.name}: alerts.max_quarantined_amount needs an analytics measure to sum")
    if "" not in spec.missing_values:
        raise SpecError(f"dataset {spec.name}: missing_values must include the empty string")


def _check_decimals(spec: DatasetSpec) -> None:
    """Decimals are typed exactly: precision 1-18 (int64 minor units), at most 15 digits inside a ratio,
    and a measure's sums keep at most VALUE_SCALE decimal places."""
    for c in spec.columns:
        if c.type == "decimal" and not (1 <= c.precision <= MAX_PRECISION and 0 <= c.scale <= c.precision):
            raise SpecError(f"dataset {spec.name}: {c.name} needs 1 <= precision <= 18 and 0 <= scale <= precision")
    for d in spec.derived:
        wide = [n for n in (d.numerator, d.denominator) if spec.column(n).precision > MAX_RATIO_PRECISION]
        if wide:
            raise SpecError(f"dataset {spec.name}: ratio {d.name} needs precision <= 15 for {wide}")
    for measure, scale in spec.measure_scales.items():
        if scale > VALUE_SCALE:
            raise SpecError(
                f"dataset {spec.name}: measure {measure} has {scale} decimal places; "
                f"analytics keep at most {VALUE_SCALE}"
            )


def _check_identifiers(spec: DatasetSpec) -> None:
    """Names that become SQL tables and columns must be plain lower-case identifiers, and unique."""
    names = [spec.name, spec.raw_table, spec.clean_table, *spec.column_names, *(d.name for d in spec.derived)]
    bad = [n for n in names if not IDENTIFIER.fullmatch(n)]
    if bad:
        raise SpecError(f"dataset {spec.name}: not a plain lower-case identifier (a-z, 0-9, _): {bad}")
    fields = [*spec.column_names, *(d.name for d in spec.derived)]
    for label, values in (("field", fields), ("source column", spec.source_names)):
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            raise SpecError(f"dataset {spec.name}: {label} named more than once: {repeated}")
    if spec.raw_table == spec.clean_table:
        raise SpecError(f"dataset {spec.name}: the raw and clean tables need different names")
    taken = {spec.raw_table, spec.clean_table} & {*SHARED_TABLES, "alembic_version"}
    if taken:
        raise SpecError(f"dataset {spec.name}: {sorted(taken)} is a shared pipeline table, not a dataset table")
