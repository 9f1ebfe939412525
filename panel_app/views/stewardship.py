"""Stewardship cards: how each run's exceptions were resolved, steward actions over time, and the note that a
run's clean figures include rows stewards promoted (with a way to their events on the Exceptions tab)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import panel as pn
import param
import plotly.graph_objects as go

from panel_app.charts import stewardship as charts
from panel_app.memo import Memo
from panel_app.metrics import periods
from panel_app.metrics import stewardship as metrics
from panel_app.metrics.stewardship import TABLE_COLUMNS, PromotedRows
from panel_app.views.common import StoreView, card, html, plot
from panel_app.views.tables import DataTable

HISTORY = ("store.runs", "store.run_id")


def run_promotions(view: StoreView) -> PromotedRows | None:
    """The selected run's rows promoted by stewards (None: none, or the run has no results)."""
    store = view.ds
    if not store.has_results or store.runs.empty:
        return None
    return metrics.promoted_rows(store.reader.resolutions(), store.run_id)


class PromotedNote(StoreView):
    """`includes 12 rows promoted by stewards (8 corrected, 4 waived)` and a button to their events; hidden
    when the selected run's clean data holds no promoted row."""

    show_events = param.Callable(default=None, doc="Called to show the steward events (the Exceptions tab).")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.button = pn.widgets.Button(label="See their events", color="light", width=150, margin=(2, 8))
        self.button.on_click(lambda _: self.show_events() if self.show_events else None)
        self.layout = pn.Row(html(self.markup, margin=(6, 0, 0, 10)), self.button, sizing_mode="stretch_width")
        self.ds.param.watch(self._show, ["runs", "run_id"])
        self._show()

    @param.depends(*HISTORY)
    def markup(self) -> str:
        """The note as escaped HTML ('' without promoted rows)."""
        promoted = run_promotions(self)
        if promoted is None:
            return ""
        note = promoted.note(self.ds.presentation.count)
        return f'<div class="context">This run\'s clean data {note} — see their events on the Exceptions tab.</div>'

    def _show(self, *_: object) -> None:
        promoted = run_promotions(self) is not None
        self.layout.visible, self.button.visible = promoted, promoted and self.show_events is not None

    def __panel__(self) -> pn.viewable.Viewable:
        return self.layout


class ResolutionsPerRun(StoreView):
    """Per completed run: quarantined records still open, corrected or waived into the clean data, dismissed."""

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        titles = {"promoted_by_correction": "corrected", "promoted_by_waiver": "waived", "resolved_pct": "% resolved"}
        numbers = [c for c in TABLE_COLUMNS if c not in ("run", "run_id")]
        self.data = DataTable(
            self.frame, "resolutions_per_run.csv", numbers, page_size=10, titles=titles, store=self.ds
        )
        self._charted: Memo[periods.Charted] = Memo()  # a run change only moves the outline

    @param.depends("store.runs")  # not the run: the table has no selected row
    def frame(self) -> pd.DataFrame:
        """One row per COMPLETED run, newest first."""
        if self.ds.runs.empty:
            return pd.DataFrame(columns=list(TABLE_COLUMNS))
        return metrics.resolution_table(self.ds.reader.resolutions(), self.ds.runs).iloc[::-1].reset_index(drop=True)

    @param.depends(*HISTORY)
    def figure(self) -> go.Figure:
        """The stacked outcomes per run, oldest first (the selected run, or its week or month, outlined)."""
        shown = self._charted.get((self.ds.runs, self.ds.revision, self.ds.reader), self._chart)
        records = self.ds.presentation.records
        return charts.resolutions_per_run(shown.rows, shown.selected(self.ds.run_id), records, shown.period)

    def _chart(self) -> periods.Charted:
        table = self.frame().iloc[::-1].reset_index(drop=True)
        period = periods.period_of(len(table))
        if period is None:
            return periods.Charted(self.ds.runs, table, pd.DataFrame(), None)
        # hundreds of runs: by week or month, counts summed, the share recomputed
        return periods.Charted(
            self.ds.runs, periods.resolutions_by_period(table, self.ds.runs, period), pd.DataFrame(), period
        )

    def __panel__(self) -> pn.viewable.Viewable:
        hint = (
            "Each run's quarantined records by where they stand now: promoted into the clean data by a correction "
            "or a waiver (*corrected*, *waived*: the latest event that promoted each), dismissed, or still open."
        )
        return card(
            "Exceptions resolved per run",
            pn.pane.Markdown(hint, margin=(0, 8)),
            plot(self.figure, 340),
            self.data.layout(),
        )


class ResolutionsOverTime(StoreView):
    """Steward actions per day, by what they led to."""

    @param.depends(*HISTORY)
    def figure(self) -> go.Figure:
        """The stacked actions per day."""
        days = self.ds.reader.resolution_days() if not self.ds.runs.empty else pd.DataFrame()
        return charts.resolutions_over_time(metrics.daily_outcomes(days), self.ds.presentation.records)

    def __panel__(self) -> pn.viewable.Viewable:
        return card("Steward actions per day (UTC)", plot(self.figure, 300))
