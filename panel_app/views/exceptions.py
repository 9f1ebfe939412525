"""Exceptions cards: counts by category, control and raw value (click a bar to list its rows), the rows, runs compared.

The raw-value chart counts the first grain dimension as received (the dataset's raw table); the rows
show every field of the dataset's file as received.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import panel as pn
import param
import plotly.graph_objects as go

from flows.storage.read import ExceptionFilter
from panel_app.charts.exceptions import exception_bars
from panel_app.data_store import DataStore
from panel_app.formatting import text
from panel_app.metrics.exceptions import compare_counts, display_rows
from panel_app.presentation import Presentation, field_label
from panel_app.views.common import StoreView, card, html, live_card, plot
from panel_app.views.tables import DataTable

TITLES = {"category": "By headline category", "rule": "By failed control", "value": "By {} (as received)"}
SIDEBAR = ("store.run_id", "store.filters", "store.revision")
PAGING = ("store.page", "store.search", "store.drill", "store.status")
PAGE_SIZE = 25
REASONS_WIDTH = 230  # long text wraps (reasons at a fixed width) so the raw values stay on screen beside them


def wrapped(p: Presentation) -> dict[str, int]:
    """Column widths of the rows table: reasons fixed, every field but the first (an id) wrapped at its width."""
    return {"reasons": REASONS_WIDTH, **dict.fromkeys(p.fields[1:], 0)}


def _sidebar_filter(store: DataStore) -> ExceptionFilter:
    return store.sidebar_filter()


class ExceptionBreakdown(StoreView):
    """Quarantined records by one dimension; clicking a bar lists those rows in the table."""

    dimension: param.Selector[str] = param.Selector(default="category", objects=list(TITLES))

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.pane = plot(self.figure, 280)
        self.pane.param.watch(self._clicked, "click_data")

    @property
    def field(self) -> str:
        """The raw field counted by the `value` chart (the first grain dimension), else empty."""
        dimensions = self.ds.presentation.dimensions
        return dimensions[0] if self.dimension == "value" and dimensions else ""

    @param.depends(*SIDEBAR)
    def counts(self) -> pd.DataFrame:
        """Quarantined records per key of the dimension, under the sidebar filters."""
        if not self.ds.has_results or (self.dimension == "value" and not self.field):
            return pd.DataFrame(columns=["key", "records"])
        return self.ds.reader.exception_counts(self.ds.run_id, self.dimension, _sidebar_filter(self.ds), self.field)

    @param.depends(*SIDEBAR)
    def figure(self) -> go.Figure:
        """The bar chart."""
        return exception_bars(self.counts(), self.ds.presentation.records)

    def drill(self, key: str) -> None:
        """List only the rows with this key in the exceptions table."""
        self.ds.drill = {self.dimension: key}

    def _clicked(self, event: param.parameterized.Event) -> None:
        points = (event.new or {}).get("points") or []
        if points and points[0].get("customdata") is not None:
            self.drill(str(points[0]["customdata"]))

    def _title(self, p: Presentation) -> str | None:
        if self.dimension != "value":
            return TITLES[self.dimension]
        return TITLES["value"].format(field_label(p.dimensions[0])) if p.dimensions else None

    def __panel__(self) -> pn.viewable.Viewable:
        return live_card(self.ds, self._title, self.pane)


class ExceptionTable(StoreView):
    """The quarantined rows, searchable and paginated in the database, with every reason and the raw values."""

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        store = self.ds
        self.search = pn.widgets.TextInput.from_param(store.param.search, placeholder="", width=300)
        self.status_filter = pn.widgets.Select.from_param(store.param.status, width=120, margin=(5, 10))
        self.clear = pn.widgets.Button(label="Show all rows", width=140, on_click=lambda _: setattr(store, "drill", {}))
        self.previous = pn.widgets.Button(label="‹ Previous", width=110, on_click=lambda _: self._turn(-1))
        self.next = pn.widgets.Button(label="Next ›", width=110, on_click=lambda _: self._turn(1))
        self.filename = pn.bind(lambda run: f"exceptions_{(run or 'none')[:8]}.csv", store.param.run_id)
        self.holder = pn.Column(sizing_mode="stretch_width", margin=0)
        store.param.watch(self._new_table, "presentation")
        store.param.watch(self._refresh, ["run_id", "filters", "page", "search", "drill", "status", "revision"])
        self._new_table()

    def _new_table(self, *_: object) -> None:
        """A table for the dataset shown: its fields as columns, the search hint naming its first field.

        A new table rather than new columns: Tabulator cannot change its columns while its tab is hidden.
        """
        p = self.ds.presentation
        self.search.placeholder = f"{field_label(p.fields[0]) if p.fields else 'id'}, value or rule name"
        self.data = DataTable(self.rows(), self.filename, page_size=0, rows=self.all_rows, wrap=wrapped(p))
        self.data.table.param.watch(self._picked, "selection")
        self.holder.objects = [self.data.layout()]

    def _picked(self, event: param.parameterized.Event) -> None:
        """A clicked row shows that exception in full (the history card)."""
        rows = self.data.table.value
        if event.new and "exception" in rows and event.new[0] < len(rows):
            self.ds.picked = int(rows["exception"].iloc[event.new[0]])

    def _refresh(self, *_: object) -> None:
        self.data.table.value = self.rows()

    def _filter(self) -> ExceptionFilter:
        return self.ds.exception_filter()

    def _age(self) -> pd.Timedelta | None:
        """How long the run's exceptions have been waiting: since the run started (when they were quarantined)."""
        run = self.ds.run
        return pd.Timestamp.now(tz="UTC") - run["started_at"] if run is not None else None

    @param.depends(*SIDEBAR, *PAGING)
    def rows(self) -> pd.DataFrame:
        """The current page of rows."""
        fields = self.ds.presentation.fields
        if not self.ds.has_results:
            return display_rows(pd.DataFrame(columns=["source_row", "error_details"]), fields)
        page, _ = self.ds.reader.exception_page(self.ds.run_id, self._filter(), self.ds.page, PAGE_SIZE)
        return display_rows(page, fields, age=self._age())

    def all_rows(self) -> pd.DataFrame:
        """Every row matching the filters, with the findings as JSON (what the CSV holds)."""
        fields = self.ds.presentation.fields
        if not self.ds.has_results:
            return display_rows(pd.DataFrame(columns=["source_row", "error_details"]), fields, with_details=True)
        every = self.ds.reader.exception_rows(self.ds.run_id, self._filter())
        return display_rows(every, fields, with_details=True, age=self._age())

    def total(self) -> int:
        """How many rows match the filters."""
        if not self.ds.has_results:
            return 0
        return self.ds.reader.exception_page(self.ds.run_id, self._filter(), 1, PAGE_SIZE)[1]

    def _turn(self, step: int) -> None:
        last = max(1, -(-self.total() // PAGE_SIZE))
        self.ds.page = min(last, max(1, self.ds.page + step))

    @param.depends(*SIDEBAR, *PAGING)
    def status(self) -> str:
        """Which rows are shown, and the drill-down in force (escaped)."""
        total, page, count = self.total(), self.ds.page, self.ds.presentation.count
        first, last = (page - 1) * PAGE_SIZE + 1, min(total, page * PAGE_SIZE)
        shown = f"rows {count(first)}–{count(last)} of {count(total)}" if total else "no matching rows"
        dimensions = self.ds.presentation.dimensions
        named = {"value": f"{field_label(dimensions[0])} as received" if dimensions else "value"}
        drill = "".join(f" · only {text(named.get(k, k))} = <b>{text(v)}</b>" for k, v in self.ds.drill.items())
        return f'<div class="context">{shown}{drill}</div>'

    def __panel__(self) -> pn.viewable.Viewable:
        bar = pn.Row(self.search, self.status_filter, self.clear, self.previous, self.next)
        bar.append(html(self.status, margin=(12, 8)))
        return card("Quarantined rows: every reason, values as received", bar, self.holder)


class ExceptionComparison(StoreView):
    """Quarantined records per category and per control: this run, the comparison run and the change."""

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.data = DataTable(
            self.frame,
            "exceptions_compared.csv",
            numbers=("this_run", "comparison_run", "change"),
            page_size=0,
            store=self.ds,
        )

    @param.depends(*SIDEBAR, "store.compare_run_id")
    def frame(self) -> pd.DataFrame:
        """One row per category and control."""
        store, parts = self.ds, []
        if store.has_results and store.compare_run_id:
            for by in ("category", "rule"):
                mine = store.reader.exception_counts(store.run_id, by, _sidebar_filter(store))
                theirs = store.reader.exception_counts(store.compare_run_id, by, _sidebar_filter(store))
                parts.append(compare_counts(mine, theirs, by))
        return (
            pd.concat(parts, ignore_index=True)
            if parts
            else pd.DataFrame(columns=["by", "key", "this_run", "comparison_run", "change"])
        )

    def __panel__(self) -> pn.viewable.Viewable:
        return card("Exceptions against the comparison run", self.data.layout())
