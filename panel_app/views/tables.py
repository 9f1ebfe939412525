"""A read-only table of a frame with its CSV download; numbers grouped as the dataset shown writes them.

Tables use Tabulator's default text formatter for everything but the number columns, so a value
from the data is always shown as text; the CSV is neutralised against spreadsheet formulas.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import panel as pn
import param
from panel.io.model import JSCode

from panel_app.data_store import DataStore
from panel_app.formatting import to_csv

TABLE_CSS = ".tabulator {font-size: 13px;} .tabulator .tabulator-cell {padding: 5px 8px; overflow-wrap: anywhere;}"
_NUMBER = "new Intl.NumberFormat('%s', {maximumFractionDigits: %d})"
_FORMAT = (
    "function(cell) { const v = cell.getValue(); return (typeof v === 'number' && isFinite(v)) ? %s.format(v) : ''; }"
)
Grouping = tuple[bool, int]  # (Indian digit grouping, at most this many decimals)
PLAIN: Grouping = (False, 2)


def number_cells(places: int = 2, indian: bool = False) -> JSCode:
    """A Tabulator formatter: 1,234,567.5 (or 12,34,567.5 the Indian way), at most `places` decimals; still a number."""
    return JSCode(_FORMAT % (_NUMBER % ("en-IN" if indian else "en-US", places)))


def with_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame, or an empty one with a placeholder column: Tabulator's frozen first column needs a column."""
    return frame if len(frame.columns) else pd.DataFrame({"(no rows)": []})


class DataTable:
    """A read-only table of a frame with a CSV download of exactly what it holds (formula-safe).

    With a `store`, the number columns follow the dataset shown: its digit grouping and decimal places.
    """

    def __init__(
        self,
        value: Any,
        filename: Any,
        numbers: Sequence[str] = (),
        page_size: int = 10,
        rows: Callable[[], Any] | None = None,
        wrap: dict[str, int] | None = None,
        titles: dict[str, str] | None = None,
        store: DataStore | None = None,
    ) -> None:
        self._numbers, self._wrap, self._store = tuple(numbers), wrap or {}, store
        self.grouping = self._grouping()
        self.table = pn.widgets.Tabulator(
            param.rx(value).rx.pipe(with_columns) if callable(value) else with_columns(value),
            disabled=True,
            show_index=False,
            pagination="local" if page_size else None,
            page_size=page_size or None,
            layout="fit_data_stretch",
            sizing_mode="stretch_width",
            theme="bootstrap5",
            formatters=self._formatters(),
            widths={column: width for column, width in self._wrap.items() if width},
            text_align=dict.fromkeys(self._numbers, "right"),
            stylesheets=[TABLE_CSS],
            titles=titles or {},
            frozen_columns=[0],
        )
        self.rows = rows or (lambda: self.table.value)
        self.download = pn.widgets.FileDownload(
            callback=lambda: to_csv(self.rows()), filename=filename, label="Download CSV", width=160, margin=(4, 8)
        )
        if store is not None and self._numbers:
            store.param.watch(self._regroup, "presentation")

    def _grouping(self) -> Grouping:
        p = self._store.presentation if self._store is not None else None
        return (p.indian, p.decimals) if p is not None else PLAIN

    def _formatters(self) -> dict[str, Any]:
        indian, places = self.grouping
        formatters: dict[str, Any] = {c: number_cells(places, indian) for c in self._numbers}
        return formatters | {c: {"type": "textarea"} for c in self._wrap}  # wraps long text (width 0: natural)

    def _regroup(self, *_: object) -> None:
        """Number cells in the new dataset's grouping and decimal places (only the formatters change)."""
        grouping = self._grouping()
        if grouping != self.grouping:
            self.grouping = grouping
            self.table.formatters = self._formatters()

    def layout(self) -> pn.Column:
        """The table with its download button under it."""
        return pn.Column(self.table, self.download, sizing_mode="stretch_width")
