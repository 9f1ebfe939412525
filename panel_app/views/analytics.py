"""Analytics cards: KPIs, the headline measure by day, per dimension and over two, across runs, runs compared.

Every card follows the selected dataset: its measures, its grain's dimensions and their labels.
"""

from __future__ import annotations

import math

import pandas as pd
import panel as pn
import param
import plotly.graph_objects as go

from panel_app.charts import analytics as charts
from panel_app.charts.theme import empty
from panel_app.formatting import format_percent, signed
from panel_app.memo import Memo
from panel_app.metrics import analytics as metrics
from panel_app.metrics.alerts import run_markers
from panel_app.metrics.periods import Charted, charted_totals
from panel_app.metrics.runs import history_labels
from panel_app.presentation import Presentation, field_label
from panel_app.selection import THIS_FILE
from panel_app.views.common import StoreView, html, live_card, plot, tile, tiles
from panel_app.views.stewardship import PromotedNote
from panel_app.views.tables import DataTable

GRAIN = ("store.grain", "store.compare_grain")


class _AnalyticsCard(StoreView):
    def _compare(self) -> pd.DataFrame | None:
        """The comparison run's grain, compared only with a file (the whole ledger is no run's counterpart)."""
        return self.ds.compare_grain if self.ds.compare_run_id and self.ds.scope == THIS_FILE else None


class AnalyticsKpis(_AnalyticsCard):
    """Headline measure, records, headline per record and the other measures, with the change vs the comparison;
    under them, whether the run's clean data includes rows promoted by stewards (with a way to their events)."""

    show_events = param.Callable(default=None, doc="Shows the steward events (the app: opens the Exceptions tab).")

    def __init__(self, **params: object) -> None:
        super().__init__(**params)
        self.note = PromotedNote(store=self.ds, show_events=self.show_events)

    @param.depends(*GRAIN)
    def values(self) -> dict[str, float]:
        """The KPI numbers of the selected run under the filters."""
        return metrics.kpis(self.ds.grain, self.ds.presentation)

    @param.depends(*GRAIN)
    def markup(self) -> str:
        """The KPI tiles as escaped HTML."""
        p, mine = self.ds.presentation, self.values()
        other = metrics.kpis(self.ds.compare_grain, p) if self._compare() is not None else None
        items = []
        for measure in p.kpis:
            name, delta, direction = measure.name, "", 0
            if other is not None and not math.isnan(other[name]) and not math.isnan(mine[name]):
                change = mine[name] - other[name]
                share = format_percent(change / other[name]) if other[name] else "–"
                delta = f"{signed(measure.format(change), change)} ({signed(share, change)}) vs comparison"
                direction = (change > 0) - (change < 0)
            items.append(tile(measure.label, measure.format(mine[name]), delta, direction))
        return tiles(items)

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(html(self.markup), self.note, sizing_mode="stretch_width")


class MeasureTrend(_AnalyticsCard):
    """The headline measure by day with a 7-day average (and the comparison run's, dashed)."""

    @param.depends(*GRAIN)
    def figure(self) -> go.Figure:
        """The trend figure."""
        p, other = self.ds.presentation, self._compare()
        compare = None if other is None else metrics.daily(other, p.date, p.headline)
        return charts.measure_trend(metrics.daily(self.ds.grain, p.date, p.headline), p.headline, compare)

    def __panel__(self) -> pn.viewable.Viewable:
        return live_card(self.ds, lambda p: f"{p.headline.label.capitalize()} by day", plot(self.figure, 300))


class MeasureBreakdown(_AnalyticsCard):
    """The headline measure per key of one grain dimension (the comparison run beside it)."""

    position = param.Integer(default=0, bounds=(0, 1), doc="Which grain dimension: 0 = the first.")

    @property
    def dimension(self) -> str | None:
        """The dimension this card breaks down by, in the dataset shown (None: it has none there)."""
        return self.ds.presentation.dimension(self.position)

    @param.depends(*GRAIN)
    def figure(self) -> go.Figure:
        """The breakdown figure."""
        p, other, dimension = self.ds.presentation, self._compare(), self.dimension
        if dimension is None:
            return empty("No dimension to break down by")
        compare = None if other is None else metrics.by_dimension(other, dimension, p.measures)
        return charts.measure_by(
            metrics.by_dimension(self.ds.grain, dimension, p.measures), dimension, p.headline, compare
        )

    def _title(self, p: Presentation) -> str | None:
        dimension = p.dimension(self.position)
        return None if dimension is None else f"{p.headline.label.capitalize()} by {field_label(dimension)}"

    def __panel__(self) -> pn.viewable.Viewable:
        return live_card(self.ds, self._title, plot(self.figure, 300))


class DimensionHeatmap(_AnalyticsCard):
    """The headline measure of each pair of keys of the first two grain dimensions, with its table and CSV."""

    def __init__(self, **params: object) -> None:
        super().__init__(**params)
        self.data = DataTable(self.matrix, "heatmap.csv", page_size=0)

    @param.depends(*GRAIN)
    def matrix(self) -> pd.DataFrame:
        """The measure with the first dimension's keys as rows (a column of that name) and the second's as columns."""
        p = self.ds.presentation
        if len(p.dimensions) < 2:
            return pd.DataFrame()
        rows, columns = p.dimensions[:2]
        return metrics.matrix(self.ds.grain, rows, columns, p.headline).reset_index()

    @param.depends(*GRAIN)
    def figure(self) -> go.Figure:
        """The heatmap."""
        p, table = self.ds.presentation, self.matrix()
        if table.empty:
            return empty(charts.NO_DATA)
        return charts.heatmap(table.set_index(p.dimensions[0]).rename_axis(columns=None), p.headline)

    @staticmethod
    def _title(p: Presentation) -> str | None:
        if len(p.dimensions) < 2:
            return None
        rows, columns = (field_label(d) for d in p.dimensions[:2])
        return f"{p.headline.label.capitalize()}: {rows} × {columns}"

    def __panel__(self) -> pn.viewable.Viewable:
        return live_card(self.ds, self._title, plot(self.figure, 300))


class RunComparison(_AnalyticsCard):
    """The selected run beside the comparison run: KPIs, headline per dimension key, exceptions per category."""

    def __init__(self, **params: object) -> None:
        super().__init__(**params)
        self.data = DataTable(
            self.frame,
            "run_comparison.csv",
            numbers=("this_run", "comparison_run", "change"),
            page_size=0,
            store=self.ds,
        )

    @param.depends(*GRAIN, "store.filters")
    def frame(self) -> pd.DataFrame:
        """The comparison rows (empty without a comparison run)."""
        store = self.ds
        if not store.compare_run_id or not store.has_results:
            return pd.DataFrame(columns=["section", "item", "this_run", "comparison_run", "change", "change_pct"])
        f = store.sidebar_filter()  # the sidebar filters only, no drill-down
        mine = store.reader.exception_counts(store.run_id, "category", f)
        theirs = store.reader.exception_counts(store.compare_run_id, "category", f)
        grain = store.grain if store.scope == THIS_FILE else store.file_grain(store.run_id)  # file against file
        return metrics.comparison(grain, store.compare_grain, mine, theirs, store.presentation)

    def __panel__(self) -> pn.viewable.Viewable:
        hint = pn.pane.Markdown(pn.bind(_comparison_hint, self.ds.param.compare_run_id), margin=(0, 8))
        return live_card(self.ds, lambda _: "What changed against the comparison run", hint, self.data.layout())


def _comparison_hint(compare_run_id: str) -> str:
    if not compare_run_id:
        return "No comparison run: pick one under *Compare with* in the sidebar."
    return "This run against the comparison run, under the same filters; *change* is this run minus the other."


class TotalsAcrossRuns(_AnalyticsCard):
    """The headline measure's whole-file total in every completed run (filters do not apply), selected highlighted,
    runs with alert findings marked."""

    def __init__(self, **params: object) -> None:
        super().__init__(**params)
        self._charted: Memo[Charted] = Memo()  # a run change only moves the highlight

    @param.depends("store.runs", "store.run_id")
    def figure(self) -> go.Figure:
        """The across-runs figure (by week or month beyond metrics.periods.MANY_RUNS runs)."""
        p = self.ds.presentation
        shown = self._charted.get((self.ds.runs, self.ds.revision, self.ds.reader), self._chart)
        if shown.rows.empty:
            return charts.totals_across_runs(shown.rows, p.headline, None)
        selected = shown.selected(self.ds.run_id)
        return charts.totals_across_runs(shown.rows, p.headline, selected, p.records, shown.marks, shown.period)

    def _chart(self) -> Charted:
        totals = self.ds.reader.run_totals() if not self.ds.runs.empty else pd.DataFrame()
        if not totals.empty:
            totals = totals.merge(history_labels(self.ds.runs), on="run_id").sort_values("started_at")
        marks = run_markers(self.ds.reader.alerts(), totals) if not totals.empty else pd.DataFrame()
        return charted_totals(totals, marks, [m.name for m in self.ds.presentation.measures])

    def __panel__(self) -> pn.viewable.Viewable:
        title = "{} per completed run (whole file, filters not applied)"
        return live_card(self.ds, lambda p: title.format(p.headline.label.capitalize()), plot(self.figure, 260))
