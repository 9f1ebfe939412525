"""How a dataset's fields are named and its measures written on screen, read from its spec.

Money measures (decimal columns of a dataset with a currency) are written in that currency, rupees
with Indian digit grouping; other measures as plain numbers (decimal columns with 2 places).
"""

from __future__ import annotations

from dataclasses import dataclass

from flows.dataset import DatasetSpec
from panel_app.formatting import currency_symbol, format_money, format_number, format_short

RECORD_COUNT = "record_count"
PER_RECORD = "per_record"


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


def presentation(spec: DatasetSpec) -> Presentation:
    """Read names, money and the grain off a dataset spec."""
    analytics = spec.analytics
    indian = analytics.currency == "INR"
    types = {c.name: c.type for c in spec.columns} | {d.name: "decimal" for d in spec.derived}

    def measure(name: str) -> Measure:
        decimal = types.get(name) == "decimal"
        return Measure(name, field_label(name), analytics.currency if decimal else None, 2 if decimal else 0, indian)

    measures = tuple(measure(m) for m in analytics.measures)
    headline = measures[0]
    per_record = Measure(PER_RECORD, f"{headline.label} per record", headline.currency, 2, indian)
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


NO_DATASET = Presentation(
    dataset="",
    title="",
    date="date",
    dimensions=(),
    measures=(Measure("value", "value"),),
    records=Measure(RECORD_COUNT, "records"),
    per_record=Measure(PER_RECORD, "value per record", places=2),
    fields=(),
)  # what the views read before any dataset is loaded
