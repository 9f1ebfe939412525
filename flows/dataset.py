"""Dataset specs (YAML) and their GX suites (JSON): everything dataset-specific, loaded as data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from flows.suite import (  # noqa: F401  (re-exported: the dataset API)
    CONTROL_TYPES,
    ERROR_CATEGORIES,
    SEVERITIES,
    Rule,
    SpecError,
    Suite,
    load_suite,
    one_of,
)

ColumnType = Literal["string", "integer", "decimal", "date"]
COLUMN_TYPES: tuple[str, ...] = ("string", "integer", "decimal", "date")
IDENTIFIER = re.compile(r"[a-z][a-z0-9_]{0,62}")  # table and field names are used in SQL: keep them plain
SCHEMA_ONLY = ("expect_table_columns_to_match_set",)  # its column_set may name columns the spec does not
SHARED_TABLES = ("pipeline_runs", "validation_results", "exceptions", "audit_log", "analytics_summary", "id_blocks")


@dataclass(frozen=True)
class ColumnSpec:
    """One source column and how its clean value is typed."""

    name: str
    type: ColumnType
    required: bool
    format: str | None = None
    precision: int = 12
    scale: int = 2
    source: str = ""  # the header as written in the file; empty means the same as `name`

    @property
    def source_name(self) -> str:
        """The column's header in the source file."""
        return self.source or self.name


@dataclass(frozen=True)
class RatioSpec:
    """A derived column: numerator / denominator, rounded half-up to `scale` decimals."""

    name: str
    numerator: str
    denominator: str
    scale: int


@dataclass(frozen=True)
class AnalyticsSpec:
    """Which dimensions and measures the analytics stage aggregates."""

    date: str
    dimensions: tuple[str, ...]
    measures: tuple[str, ...]
    breakdowns: tuple[tuple[str, ...], ...]
    currency: str | None = None  # ISO code of the money measures (decimal columns), if any

    @property
    def grain(self) -> tuple[str, ...]:
        """The finest breakdown that starts with the date: what the dashboard filters and slices."""
        dated = [b for b in self.breakdowns if b[0] == self.date]
        return max(dated, key=len) if dated else (self.date,)

    @property
    def grain_dimensions(self) -> tuple[str, ...]:
        """The dimensions of the grain (the dashboard's filters)."""
        return self.grain[1:]


@dataclass(frozen=True)
class DatasetSpec:
    """Everything the pipeline needs to know about one kind of source file."""

    name: str
    title: str
    suite: Suite
    raw_table: str
    clean_table: str
    business_key: str
    columns: tuple[ColumnSpec, ...]
    derived: tuple[RatioSpec, ...]
    analytics: AnalyticsSpec
    missing_values: tuple[str, ...] = ("",)  # values that mean "no value" (validated as null)

    @property
    def column_names(self) -> list[str]:
        """The spec's field names, in file order (the names the suite, tables and analytics use)."""
        return [c.name for c in self.columns]

    @property
    def source_names(self) -> list[str]:
        """The columns' headers as written in the source file."""
        return [c.source_name for c in self.columns]

    @property
    def renames(self) -> dict[str, str]:
        """Source header -> field name, for the columns whose header differs from their field name."""
        return {c.source_name: c.name for c in self.columns if c.source_name != c.name}

    def column(self, name: str) -> ColumnSpec:
        """Return the spec of one source column."""
        return next(c for c in self.columns if c.name == name)


def load_dataset(name: str, expectations_dir: Path) -> DatasetSpec:
    """Load `<expectations_dir>/<name>.yaml` and the suite it names, and check they agree."""
    path = expectations_dir / f"{name}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in expectations_dir.glob("*.yaml"))
        raise SpecError(f"unknown dataset {name!r}: no {path} (known: {', '.join(known) or 'none'})")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        spec = _parse_dataset(doc, expectations_dir)
    except (KeyError, TypeError, ValueError, yaml.YAMLError) as exc:
        raise SpecError(f"{path}: {exc}") from exc
    _check_consistency(spec)
    return spec


def _parse_dataset(doc: dict[str, Any], expectations_dir: Path) -> DatasetSpec:
    columns = tuple(
        ColumnSpec(
            name=col,
            type=one_of(opts["type"], COLUMN_TYPES, f"type of {col}"),  # type: ignore[arg-type]
            required=bool(opts.get("required", False)),
            format=opts.get("format"),
            precision=int(opts.get("precision", 12)),
            scale=int(opts.get("scale", 2)),
            source=str(opts.get("source") or ""),
        )
        for col, opts in doc["columns"].items()
    )
    derived = tuple(
        RatioSpec(name=n, numerator=o["ratio"][0], denominator=o["ratio"][1], scale=int(o["scale"]))
        for n, o in (doc.get("derived") or {}).items()
    )
    a = doc["analytics"]
    analytics = AnalyticsSpec(
        date=a["date"],
        dimensions=tuple(a["dimensions"]),
        measures=tuple(a["measures"]),
        breakdowns=tuple(tuple(b) for b in a["breakdowns"]),
        currency=a.get("currency"),
    )
    return DatasetSpec(
        name=doc["name"],
        title=doc.get("title", doc["name"]),
        suite=load_suite(doc["suite"], expectations_dir),
        raw_table=doc["tables"]["raw"],
        clean_table=doc["tables"]["clean"],
        business_key=doc["business_key"],
        columns=columns,
        derived=derived,
        analytics=analytics,
        missing_values=tuple(str(v) for v in doc.get("missing_values", [""])),
    )


def _check_consistency(spec: DatasetSpec) -> None:
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
    if not any(r.control_type == "DUPLICATE" and r.column == spec.business_key for r in spec.suite.rules):
        raise SpecError(f"dataset {spec.name}: no DUPLICATE rule on business key {spec.business_key}")
    date = next((c for c in spec.columns if c.name == spec.analytics.date), None)
    if date is None or date.type != "date" or not date.required:
        raise SpecError(f"dataset {spec.name}: analytics.date {spec.analytics.date} must be a required date column")
    if "" not in spec.missing_values:
        raise SpecError(f"dataset {spec.name}: missing_values must include the empty string")


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
