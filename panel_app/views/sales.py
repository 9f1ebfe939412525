"""Sales Analytics cards: KPIs, revenue by day, by region and product, region x product, runs compared."""

from __future__ import annotations

import math

import pandas as pd
import panel as pn
import param
import plotly.graph_objects as go

from panel_app.charts import sales as charts
from panel_app.formatting import format_inr, format_number, format_percent, signed
from panel_app.metrics import sales as metrics
from panel_app.views.common import DataTable, StoreView, card, html, plot, tile, tiles

SALES = ("store.sales", "store.compare_sales")


class _SalesCard(StoreView):
    def _compare(self) -> pd.DataFrame | None:
        return self.ds.compare_sales if self.ds.compare_run_id else None


class SalesKpis(_SalesCard):
    """Revenue (₹, Indian grouping), orders, average order value and units, with the change vs the comparison run."""

    @param.depends(*SALES)
    def values(self) -> dict[str, float]:
        """The KPI numbers of the selected run under the filters."""
        return metrics.kpis(self.ds.sales)

    @param.depends(*SALES)
    def markup(self) -> str:
        """The KPI tiles as escaped HTML."""
        mine = self.values()
        other = metrics.kpis(self.ds.compare_sales) if self._compare() is not None else None
        shown = {
            "revenue": format_inr,
            "orders": format_number,
            "average_order_value": format_inr,
            "units": format_number,
        }
        items = []
        for name, fmt in shown.items():
            delta, direction = "", 0
            if other is not None and not math.isnan(other[name]) and not math.isnan(mine[name]):
                change = mine[name] - other[name]
                share = format_percent(change / other[name]) if other[name] else "–"
                delta, direction = (
                    f"{signed(fmt(change), change)} ({signed(share, change)}) vs comparison",
                    (change > 0) - (change < 0),
                )
            items.append(tile(name.replace("_", " "), fmt(mine[name]), delta, direction))
        return tiles(items)

    def __panel__(self) -> pn.viewable.Viewable:
        return html(self.markup)


class RevenueTrend(_SalesCard):
    """Revenue by order day with a 7-day average (and the comparison run's, dashed)."""

    @param.depends(*SALES)
    def figure(self) -> go.Figure:
        """The trend figure."""
        other = self._compare()
        return charts.revenue_trend(
            metrics.daily_revenue(self.ds.sales), None if other is None else metrics.daily_revenue(other)
        )

    def __panel__(self) -> pn.viewable.Viewable:
        return card("Revenue by day", plot(self.figure, 300))


class RevenueBreakdown(_SalesCard):
    """Revenue per region or per product (the comparison run beside it)."""

    dimension: param.Selector[str] = param.Selector(default="region", objects=["region", "product"])

    @param.depends(*SALES)
    def figure(self) -> go.Figure:
        """The breakdown figure."""
        other = self._compare()
        compare = None if other is None else metrics.by_dimension(other, self.dimension)
        return charts.revenue_by(metrics.by_dimension(self.ds.sales, self.dimension), self.dimension, compare)

    def __panel__(self) -> pn.viewable.Viewable:
        return card(f"Revenue by {self.dimension}", plot(self.figure, 300))


class RegionProductHeatmap(_SalesCard):
    """Revenue of each region x product cell, with its table and CSV."""

    def __init__(self, **params: object) -> None:
        super().__init__(**params)
        self.data = DataTable(self.matrix, "revenue_region_product.csv", page_size=0)

    @param.depends(*SALES)
    def matrix(self) -> pd.DataFrame:
        """Revenue with regions as rows and products as columns (a column `region` for the table)."""
        return metrics.region_product(self.ds.sales).reset_index()

    @param.depends(*SALES)
    def figure(self) -> go.Figure:
        """The heatmap."""
        return charts.region_product_heatmap(self.matrix().set_index("region").rename_axis(columns=None))

    def __panel__(self) -> pn.viewable.Viewable:
        return card("Revenue: region × product", plot(self.figure, 300))


class RunComparison(_SalesCard):
    """The selected run beside the comparison run: KPIs, revenue per region and product, exceptions per category."""

    def __init__(self, **params: object) -> None:
        super().__init__(**params)
        self.data = DataTable(
            self.frame, "run_comparison.csv", numbers=("this_run", "comparison_run", "change"), page_size=0
        )

    @param.depends(*SALES, "store.regions", "store.products")
    def frame(self) -> pd.DataFrame:
        """The comparison rows (empty without a comparison run)."""
        store = self.ds
        if not store.compare_run_id or not store.has_results:
            return pd.DataFrame(columns=["section", "item", "this_run", "comparison_run", "change", "change_pct"])
        f = store.exception_filter()
        f = type(f)(regions=f.regions, products=f.products)  # the sidebar filters only, no drill-down
        mine = store.reader.exception_counts(store.run_id, "category", f)
        theirs = store.reader.exception_counts(store.compare_run_id, "category", f)
        return metrics.comparison(store.sales, store.compare_sales, mine, theirs)

    def __panel__(self) -> pn.viewable.Viewable:
        hint = pn.pane.Markdown(pn.bind(_comparison_hint, self.ds.param.compare_run_id), margin=(0, 8))
        return card("What changed against the comparison run", hint, self.data.layout())


def _comparison_hint(compare_run_id: str) -> str:
    if not compare_run_id:
        return "No comparison run: pick one under *Compare with* in the sidebar."
    return "This run against the comparison run, under the same filters; *change* is this run minus the other."


class RevenueAcrossRuns(_SalesCard):
    """Whole-file revenue of every completed run (filters do not apply), the selected run highlighted."""

    @param.depends("store.runs", "store.run_id")
    def figure(self) -> go.Figure:
        """The across-runs figure."""
        totals = self.ds.reader.run_totals() if not self.ds.runs.empty else pd.DataFrame()
        if totals.empty:
            return charts.revenue_across_runs(totals, None)
        labels = self.ds.history_labels()
        totals = totals.merge(labels, on="run_id").sort_values("started_at")
        return charts.revenue_across_runs(totals, self.ds.run_id)

    def __panel__(self) -> pn.viewable.Viewable:
        return card("Revenue per completed run (whole file, filters not applied)", plot(self.figure, 260))
