"""Controls Summary cards: every control with its results and trend, failure rates over runs, reconciliation per run."""

from __future__ import annotations

from typing import Any

import pandas as pd
import panel as pn
import param
import plotly.graph_objects as go

from panel_app.charts.quality import failure_heatmap
from panel_app.charts.theme import empty
from panel_app.metrics.periods import failure_rates_by_period, period_of
from panel_app.metrics.quality import failed_matrix, failure_rates
from panel_app.metrics.runs import completed, reconciliation_table
from panel_app.metrics.stewardship import reconciled_with_promotions
from panel_app.views.common import StoreView, card, plot
from panel_app.views.tables import DataTable


class ControlsTable(StoreView):
    """Every control of the suite: type, severity, records checked, failed, pass rate, change and trend."""

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        name = pn.bind(lambda run: f"controls_{(run or 'none')[:8]}.csv", self.ds.param.run_id)
        numbers = ("checked", "failed", "change")
        titles = {"control_type": "type", "pass_rate_pct": "pass %", "error_category": "category"}
        self.data = DataTable(self.frame, name, numbers=numbers, page_size=0, titles=titles, store=self.ds)

    @param.depends("store.run_id", "store.runs")
    def frame(self) -> pd.DataFrame:
        """The controls of the selected run (empty unless it COMPLETED)."""
        return self.ds.controls(self.ds.run_id)

    def __panel__(self) -> pn.viewable.Viewable:
        hint = (
            "File-level controls (SCHEMA) check the file once; the others check every record. "
            "*change* is failures minus the previous completed run's; *trend*: the failure rate over the last 10 runs."
        )
        return card("Controls of this run", pn.pane.Markdown(hint, margin=(0, 8)), self.data.layout())


class FailureTrend(StoreView):
    """Failure rate of each record-level control across the last completed runs."""

    @param.depends("store.runs")
    def figure(self) -> go.Figure:
        """The control x run heatmap (x period beyond metrics.periods.MANY_RUNS runs: every run, summed by week or
        month)."""
        if self.ds.runs.empty:
            return empty("No completed run yet")
        done = completed(self.ds.runs)
        period = period_of(len(done))
        if period is None:
            return failure_heatmap(failure_rates(self.ds.rules, self.ds.reader.rule_failures(), self.ds.runs))
        record_rules = self.ds.rules.loc[self.ds.rules["scope"] == "record", "rule"]
        failed = failed_matrix(self.ds.reader.rule_failures()).reindex(index=record_rules).fillna(0)
        return failure_heatmap(failure_rates_by_period(failed, done, period), period)

    def __panel__(self) -> pn.viewable.Viewable:
        return card("Failure rate per control across runs (% of records)", plot(self.figure, 440))


class Reconciliation(StoreView):
    """Per run: records received, clean, quarantined, promoted since by stewards, unaccounted, and the verdict."""

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.data = DataTable(
            self.frame,
            "reconciliation.csv",
            numbers=("raw", "clean", "quarantined", "promoted", "unaccounted"),
            page_size=15,
            store=self.ds,
        )

    @param.depends("store.runs")
    def frame(self) -> pd.DataFrame:
        """One row per finished run."""
        if self.ds.runs.empty:
            return pd.DataFrame()
        return reconciled_with_promotions(reconciliation_table(self.ds.runs), self.ds.reader.resolutions())

    def __panel__(self) -> pn.viewable.Viewable:
        return card("Reconciliation per run", self.data.layout())
