"""Dataset specs (YAML) and their GX suites (JSON): everything dataset-specific, loaded as data."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from flows.alert_spec import AlertSpec, parse_alerts
from flows.constants import KeyConflict
from flows.dataset_checks import check_dataset
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
    key_conflict: str = KeyConflict.QUARANTINE  # a later file's row with a loaded key and other content
    alerts: AlertSpec = field(default_factory=AlertSpec)  # thresholds and the anomaly method (flows/alert_spec.py)

    @property
    def headline_measure(self) -> str | None:
        """The first analytics measure (revenue for sales): what amounts in alerts are sums of."""
        return self.analytics.measures[0] if self.analytics.measures else None

    @property
    def ledger_rule(self) -> Rule | None:
        """The suite's cross-file rule (meta.ledger): the key must not be in the ledger already; None if absent."""
        return next((r for r in self.suite.rules if r.ledger), None)

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

    @property
    def measure_scales(self) -> dict[str, int]:
        """Decimal places of each analytics measure (0 for an integer column)."""
        return {m: self.scale_of(m) for m in self.analytics.measures}

    def scale_of(self, name: str) -> int:
        """Decimal places of a field or derived column (0 unless it is a decimal)."""
        derived = {d.name: d.scale for d in self.derived}
        if name in derived:
            return derived[name]
        column = self.column(name)
        return column.scale if column.type == "decimal" else 0

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
    check_dataset(spec)
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
        key_conflict=one_of(doc.get("key_conflict", KeyConflict.QUARANTINE), tuple(KeyConflict), "key_conflict"),
        alerts=parse_alerts(doc.get("alerts"), doc["name"]),
    )
