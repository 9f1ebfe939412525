"""How a dataset's fields are named and its numbers written on screen, read from its spec.

Money measures (decimal columns, or derived ratios, of a dataset with a currency) are written in that
currency; other measures as plain numbers. A decimal measure has its spec `scale` as decimal places,
an integer measure none, and the headline per record the headline's scale. Every number of an INR
dataset (money, counts, bytes, milliseconds) uses Indian digit grouping (12,34,567); any other
dataset's numbers are grouped in threes (1,234,567).
"""

from __future__ import annotations

from dataclasses import dataclass

from flows.constants import RECORD_COUNT
from flows.dataset import DatasetSpec
from panel_app.formatting import currency_symbol, format_money, format_number, format_short

PER_RECORD = "per_record"
INDIAN_GROUPING = "INR"  # the currency whose datasets group digits the Indian way


def field_label(name: str) -> str:
    """A field name as words: `payment_method` -> `payment method`."""
    return name.replace("_", " ")


@dataclass(frozen=True)
class Measure:
    """One measure (or the record count): its name, label and how its values are written."""

    name: str
    label: str
    currency: str | None = None  # set for money
    places: int = 0
    indian: bool = False  # Indian digit grouping (12,34,567)

    def format(self, value: object) -> str:
        """The value in full: ₹12,34,567.89, $1,234.50, 1,234.50 or 1,234."""
        if self.currency:
            return format_money(value, self.currency, self.places)
        return format_number(value, self.places, indian=self.indian)

    def short(self, value: float) -> str:
        """The value for a chart label: ₹12.35 L, $1.23 M, 4.5 K."""
        return format_short(value, self.currency) if self.currency else format_short(value)

    def axis(self) -> dict[str, str]:
        """Plotly axis settings for this measure's values."""
        prefix = currency_symbol(self.currency).strip() if self.currency else ""
        return {"tickprefix": prefix, "tickformat": "~s"}


@dataclass(frozen=True)
class Presentation:
    """A dataset as the dashboard shows it: its title, date, filter dimensions and measures."""

    dataset: str
    title: str
    date: str
    dimensions: tuple[str, ...]  # the grain's dimensions: the filters, breakdowns and heatmap axes
    measures: tuple[Measure, ...]  # the first is the headline
    records: Measure
    per_record: Measure
    fields: tuple[str, ...]  # every field of the file, in file order (exception rows show them as received)
    missing_values: tuple[str, ...] = ("",)

    @property
    def headline(self) -> Measure:
        """The first measure (revenue, total spent, ...)."""
        return self.measures[0]

    @property
    def kpis(self) -> tuple[Measure, ...]:
        """The KPI tiles in order: headline, records, headline per record, then the other measures."""
        return (self.headline, self.records, self.per_record, *self.measures[1:])

    def measure(self, name: str) -> Measure:
        """A measure, the record count or the per-record headline, by name."""
        return next(m for m in (*self.measures, self.records, self.per_record) if m.name == name)

    def dimension(self, position: int) -> str | None:
        """The grain's dimension at a position (0 = first), if the dataset has one there."""
        return self.dimensions[position] if position < len(self.dimensions) else None

    @property
    def indian(self) -> bool:
        """True when the dataset's numbers use Indian digit grouping (an INR dataset)."""
        return self.records.indian

    @property
    def decimals(self) -> int:
        """The most decimal places any of its measures (or the headline per record) is written with."""
        return max(m.places for m in (*self.measures, self.per_record))

    def count(self, value: object) -> str:
        """A count (records, bytes, milliseconds) with the dataset's digit grouping: 12,34,567 or 1,234,567."""
        return self.records.format(value)


def presentation(spec: DatasetSpec) -> Presentation:
    """Read names, money, decimal places, digit grouping and the grain off a dataset spec."""
    analytics = spec.analytics
    indian = analytics.currency == INDIAN_GROUPING
    scales = {c.name: c.scale for c in spec.columns} | {d.name: d.scale for d in spec.derived}
    decimal = {c.name for c in spec.columns if c.type == "decimal"} | {d.name for d in spec.derived}

    def measure(name: str) -> Measure:
        if name in decimal:
            return Measure(name, field_label(name), analytics.currency, scales[name], indian)
        return Measure(name, field_label(name), None, 0, indian)

    measures = tuple(measure(m) for m in analytics.measures)
    headline = measures[0]
    per_record = Measure(
        PER_RECORD, f"{headline.label} per record", headline.currency, scales.get(headline.name, 2), indian
    )
    return Presentation(
        dataset=spec.name,
        title=spec.title,
        date=analytics.date,
        dimensions=analytics.grain_dimensions,
        measures=measures,
        records=Measure(RECORD_COUNT, "records", None, 0, indian),
        per_record=per_record,
        fields=tuple(spec.column_names),
        missing_values=spec.missing_values,
    )


COUNTS = Measure(RECORD_COUNT, "records")  # counts grouped in threes, for a figure drawn without a dataset
NO_DATASET = Presentation(
    dataset="",
    title="",
    date="date",
    dimensions=(),
    measures=(Measure("value", "value"),),
    records=COUNTS,
    per_record=Measure(PER_RECORD, "value per record", places=2),
    fields=(),
)  # what the views read before any dataset is loaded
