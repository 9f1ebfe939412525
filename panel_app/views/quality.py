"""Data Quality cards: the run's quality score, clean vs quarantined, pass rate per control, and runs over time."""

from __future__ import annotations

from typing import Any

import pandas as pd
import panel as pn
import param
import plotly.graph_objects as go

from panel_app.charts import quality as charts
from panel_app.charts.theme import empty
from panel_app.formatting import format_percent, signed
from panel_app.memo import Memo
from panel_app.metrics.alerts import run_markers
from panel_app.metrics.periods import Charted, charted_quality
from panel_app.metrics.quality import quality_history
from panel_app.metrics.stewardship import still_quarantined
from panel_app.views.common import StoreView, card, html, notice, plot, tile, tiles
from panel_app.views.stewardship import run_promotions

RUN = ("store.run_id", "store.compare_run_id", "store.runs")


def _score(run: pd.Series) -> float:
    raw = float(run["raw_count"] or 0)
    return float(run["clean_count"] or 0) / raw if raw else float("nan")


class QualityKpis(StoreView):
    """Quality score (share of records passing every error rule), clean, quarantined, warnings, reconciliation."""

    @param.depends(*RUN)
    def markup(self) -> str:
        """The quality tiles as escaped HTML."""
        run, other = self.ds.run, self.ds.compare_run
        if run is None or not self.ds.has_results:
            return notice("The selected run has no quality results (see the banner above).")
        score = _score(run)
        delta, direction = "", 0
        if other is not None:
            change = score - _score(other)
            delta, direction = f"{signed(f'{change * 100:.2f} pts', change)} vs comparison", (change > 0) - (change < 0)
        balanced, count = "balanced" if run["reconciled"] else "NOT balanced", self.ds.presentation.count
        promoted = run_promotions(self)
        n = count(promoted.promoted) if promoted else ""
        return tiles(
            [
                tile("quality score", format_percent(score, 2), delta, direction),
                tile("records received", count(run["raw_count"])),
                tile("clean", count(run["clean_count"]), f"incl. {n} promoted by stewards" if n else ""),
                tile("quarantined", count(run["exception_count"]), f"{n} since promoted to clean" if n else ""),
                tile("warnings", count(run["warning_count"]), "kept in clean data"),
                tile("reconciliation", balanced, "raw = clean + quarantined" + (" − promoted" if n else "")),
            ]
        )

    def __panel__(self) -> pn.viewable.Viewable:
        return html(self.markup)


class CleanSplit(StoreView):
    """Clean versus quarantined records of the selected run."""

    @param.depends(*RUN)
    def figure(self) -> go.Figure:
        """The donut."""
        run = self.ds.run
        if run is None or not self.ds.has_results:
            return empty("No results for this run")
        promoted = run_promotions(self)
        clean, quarantined, records = int(run["clean_count"]), int(run["exception_count"]), self.ds.presentation.records
        return charts.clean_split(clean, quarantined, records, promoted.promoted if promoted else 0)

    def __panel__(self) -> pn.viewable.Viewable:
        return card("Clean vs quarantined", plot(self.figure, 300))


class PassRates(StoreView):
    """Pass rate of every record-level control in the selected run (the comparison run as rings)."""

    @param.depends(*RUN)
    def figure(self) -> go.Figure:
        """The pass-rate dot plot."""
        controls = self.ds.controls(self.ds.run_id)
        if controls.empty:
            return empty("No results for this run")
        other = self.ds.controls(self.ds.compare_run_id) if self.ds.compare_run_id else None
        return charts.pass_rates(controls, other, self.ds.presentation.records)

    def __panel__(self) -> pn.viewable.Viewable:
        return card("Pass rate per control", plot(self.figure, 420))


class QualityTrend(StoreView):
    """Clean and quarantined records (those promoted since counted as clean only) and the quality score of every
    completed run; runs with alert findings marked."""

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._charted: Memo[Charted] = Memo()  # a run change only moves the outline

    @param.depends("store.runs", "store.run_id")
    def figure(self) -> go.Figure:
        """The across-runs figure (the selected run, or its week or month, outlined)."""
        runs = self.ds.runs
        if runs.empty:
            return charts.quality_trend(pd.DataFrame(), None)
        shown = self._charted.get((runs, self.ds.revision, self.ds.reader), self._chart)
        records = self.ds.presentation.records
        return charts.quality_trend(shown.rows, shown.selected(self.ds.run_id), records, shown.marks, shown.period)

    def _chart(self) -> Charted:
        history = still_quarantined(quality_history(self.ds.runs), self.ds.reader.resolutions())
        return charted_quality(history, run_markers(self.ds.reader.alerts(), history))

    def __panel__(self) -> pn.viewable.Viewable:
        return card("Quality across runs", plot(self.figure, 320))
