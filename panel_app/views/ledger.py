"""Ledger cards on the Analytics tab: the scope switch (all loaded data or this file), the headline measure per
month and quarter, and what the selected run's file changed in the ledger."""

from __future__ import annotations

from typing import Any

import pandas as pd
import panel as pn
import param

from panel_app.metrics import ledger as metrics
from panel_app.presentation import Presentation
from panel_app.selection import ALL_DATA
from panel_app.views.common import StoreView, html, live_card, tile, tiles
from panel_app.views.tables import DataTable

SCOPE_NOTES = {
    ALL_DATA: "Every completed run's clean rows, each order counted once: resends are not added again, superseded"
    " rows are replaced by the rows that superseded them, and steward promotions are in.",
}
FILE_NOTE = "The selected run's file only, as it was loaded (with the rows stewards promoted from it)."


class ScopeSwitch(StoreView):
    """All loaded data (the dataset's whole current ledger) or this file (the selected run's own rows)."""

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.switch = pn.widgets.RadioButtonGroup.from_param(self.ds.param.scope, color="primary", width=300)

    @param.depends("store.scope")
    def note(self) -> str:
        """What the scope covers, as escaped HTML."""
        return f'<div class="context">{SCOPE_NOTES.get(self.ds.scope, FILE_NOTE)}</div>'

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Row(self.switch, html(self.note, margin=(4, 10)), sizing_mode="stretch_width")


class PeriodTotals(StoreView):
    """The headline measure and the record count per calendar month and quarter, in the scope and filters."""

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        numbers = ("total", "record_count")
        self.data = DataTable(self.frame, "periods.csv", numbers=numbers, page_size=0, store=self.ds)

    @param.depends("store.grain")
    def frame(self) -> pd.DataFrame:
        """Months, then quarters: period, kind, the headline's sum (`total`) and the record count."""
        p = self.ds.presentation
        return metrics.period_totals(self.ds.grain, p.date, p.headline)

    def _title(self, p: Presentation) -> str:
        scope = "all loaded data" if self.ds.scope == ALL_DATA else "this file"
        return f"{p.headline.label.capitalize()} per month and quarter ({scope})"

    def __panel__(self) -> pn.viewable.Viewable:
        frame = live_card(self.ds, self._title, self.data.layout())
        self.ds.param.watch(lambda _: setattr(frame, "title", self._title(self.ds.presentation)), "scope")
        return frame


class FileChanges(StoreView):
    """What the selected run's file changed in the ledger: rows added under new keys, resent and conflicting rows
    it quarantined, earlier rows it superseded (old → new, with the earlier run), counted and listed."""

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.data = DataTable(
            self.frame,
            "file_changes.csv",
            numbers=("before", "after"),
            page_size=10,
            wrap={"details": 420},
            store=self.ds,
        )

    @param.depends("store.run_id", "store.runs", "store.revision")
    def counts(self) -> list[tuple[str, int]]:
        """(label, rows) of each kind of change (zeros without a completed run)."""
        store = self.ds
        found = store.reader.run_change_counts(store.run_id) if store.has_results and store.run_id else {}
        return metrics.change_counts(found)

    @param.depends("store.run_id", "store.runs", "store.revision")
    def markup(self) -> str:
        """The counts as tiles."""
        count = self.ds.presentation.count
        return tiles([tile(label, count(rows)) for label, rows in self.counts()])

    @param.depends("store.run_id", "store.runs", "store.revision")
    def frame(self) -> pd.DataFrame:
        """The changed rows (a bounded list of each kind)."""
        store = self.ds
        changes = store.reader.run_changes(store.run_id) if store.has_results and store.run_id else pd.DataFrame()
        return metrics.change_table(changes)

    def __panel__(self) -> pn.viewable.Viewable:
        hint = "Resent and conflicting rows name the earlier run, file and row; superseded rows show the headline"
        hint += " before → after. Up to 500 rows of each kind are listed."
        note = pn.pane.Markdown(hint, margin=(0, 8))
        return live_card(self.ds, lambda _: "What this file changed", html(self.markup), note, self.data.layout())
