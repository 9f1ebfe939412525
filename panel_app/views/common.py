"""What every card is made of: a card frame, a chart pane, a table with its CSV download, tiles, notices.

Values from the data only ever reach HTML through `formatting.text` (escaped), and tables use
Tabulator's default text formatter, so a value is always shown as text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import panel as pn
import param
from panel.io.model import JSCode
from panel.viewable import Viewer

from panel_app.data_store import DataStore
from panel_app.formatting import text, to_csv
from panel_app.presentation import Presentation

CSS = """
.kpis {display: flex; gap: 12px; flex-wrap: wrap; font-family: system-ui, sans-serif;}
.kpi {flex: 1 1 170px; background: #fff; border: 1px solid #e1e6ec; border-left: 4px solid #1f5f8b;
      border-radius: 6px; padding: 10px 14px;}
.kpi .label {font-size: 12px; color: #5b6b7b; text-transform: uppercase; letter-spacing: .04em;}
.kpi .value {font-size: 24px; font-weight: 600; color: #1d2b3a; font-variant-numeric: tabular-nums;}
.kpi .delta {font-size: 12px; color: #5b6b7b; min-height: 16px;}
.kpi .delta.up {color: #2f8f5b;} .kpi .delta.down {color: #c44536;}
.notice {padding: 10px 14px; border-radius: 6px; border: 1px solid; font: 14px system-ui, sans-serif;}
.notice.info {background: #eef5fb; border-color: #b9d4ea; color: #1d3b57;}
.notice.warning {background: #fff6e8; border-color: #f0c987; color: #6b4300;}
.notice.danger {background: #fdecea; border-color: #f1b0aa; color: #7a1c14;}
.notice code, .details code {background: rgba(0,0,0,.06); padding: 1px 4px; border-radius: 3px;}
dl.details {display: grid; grid-template-columns: max-content 1fr; gap: 6px 18px; margin: 0;
            font: 13px system-ui, sans-serif; color: #1d2b3a;}
dl.details dt {color: #5b6b7b; font-weight: normal;} dl.details dd {margin: 0; overflow-wrap: anywhere;}
dl.details code {color: #1d2b3a; word-break: break-all; white-space: normal;}
.context {font: 13px system-ui, sans-serif; color: #3d4d5c;} .context b {color: #1d2b3a;}
"""
TABLE_CSS = ".tabulator {font-size: 13px;} .tabulator .tabulator-cell {padding: 5px 8px; overflow-wrap: anywhere;}"
_MONEY = "new Intl.NumberFormat('en-IN', {style: 'currency', currency: 'INR'})"
_NUMBER = "new Intl.NumberFormat('en-IN', {maximumFractionDigits: %d})"
_FORMAT = (
    "function(cell) { const v = cell.getValue(); return (typeof v === 'number' && isFinite(v)) ? %s.format(v) : ''; }"
)


def money_cells() -> JSCode:
    """A Tabulator formatter: rupees with Indian grouping (₹12,34,567.89); the value stays a number."""
    return JSCode(_FORMAT % _MONEY)


def number_cells(places: int = 2) -> JSCode:
    """A Tabulator formatter: a number with Indian grouping (12,34,567 or 12,34,567.5), at most `places` decimals."""
    return JSCode(_FORMAT % (_NUMBER % places))


def card(title: str, *objects: Any, **params: Any) -> pn.Card:
    """A titled, non-collapsible card that fills the width."""
    style = {"background": "#ffffff", "border-radius": "8px"}
    return pn.Card(
        *objects,
        title=title,
        collapsible=False,
        sizing_mode="stretch_width",
        header_background="#f4f6f9",
        styles=style,
        margin=(6, 6),
        **params,
    )


def html(content: Any, **params: Any) -> pn.pane.HTML:
    """An HTML pane with the dashboard's styles (content must already be escaped)."""
    return pn.pane.HTML(content, stylesheets=[CSS], sizing_mode="stretch_width", **params)


def plot(figure: Any, height: int = 320) -> pn.pane.Plotly:
    """A responsive Plotly pane without the Plotly logo."""
    config = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}
    return pn.pane.Plotly(figure, config=config, sizing_mode="stretch_width", height=height)


def tile(label: str, value: str, delta: str = "", direction: int = 0) -> str:
    """One KPI tile: label, big value, and a change line (green up, red down)."""
    mood = {1: "up", -1: "down"}.get(direction, "")
    return (
        f'<div class="kpi"><div class="label">{text(label)}</div><div class="value">{text(value)}</div>'
        f'<div class="delta {mood}">{text(delta)}</div></div>'
    )


def tiles(items: Sequence[str]) -> str:
    """A row of KPI tiles."""
    return '<div class="kpis">' + "".join(items) + "</div>"


def notice(message: str, kind: str = "info", trusted_html: str = "") -> str:
    """A coloured message box: the message is escaped; `trusted_html` (built by us) follows it."""
    return f'<div class="notice {kind}">{text(message)}{trusted_html}</div>'


def with_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame, or an empty one with a placeholder column: Tabulator's frozen first column needs a column."""
    return frame if len(frame.columns) else pd.DataFrame({"(no rows)": []})


class DataTable:
    """A read-only table of a frame with a CSV download of exactly what it holds (formula-safe)."""

    def __init__(
        self,
        value: Any,
        filename: Any,
        money: Sequence[str] = (),
        numbers: Sequence[str] = (),
        page_size: int = 10,
        rows: Callable[[], Any] | None = None,
        wrap: dict[str, int] | None = None,
        titles: dict[str, str] | None = None,
    ) -> None:
        formatters: dict[str, Any] = {c: money_cells() for c in money} | {c: number_cells() for c in numbers}
        formatters |= {c: {"type": "textarea"} for c in wrap or {}}  # wraps long text (width 0: natural); escaped
        self.table = pn.widgets.Tabulator(
            param.rx(value).rx.pipe(with_columns) if callable(value) else with_columns(value),
            disabled=True,
            show_index=False,
            pagination="local" if page_size else None,
            page_size=page_size or None,
            layout="fit_data_stretch",
            sizing_mode="stretch_width",
            theme="bootstrap5",
            formatters=formatters,
            widths={column: width for column, width in (wrap or {}).items() if width},
            text_align=dict.fromkeys([*money, *numbers], "right"),
            stylesheets=[TABLE_CSS],
            titles=titles or {},
            frozen_columns=[0],
        )
        self.rows = rows or (lambda: self.table.value)
        self.download = pn.widgets.FileDownload(
            callback=lambda: to_csv(self.rows()), filename=filename, label="Download CSV", width=160, margin=(4, 8)
        )

    def layout(self) -> pn.Column:
        """The table with its download button under it."""
        return pn.Column(self.table, self.download, sizing_mode="stretch_width")


def live_card(store: DataStore, title: Callable[[Presentation], str | None], *objects: Any) -> pn.Card:
    """A card whose title follows the dataset shown; hidden while `title` gives None (nothing to show there)."""
    frame = card("", *objects)

    def adapt(*_: object) -> None:
        named = title(store.presentation)
        frame.param.update(title=named or "", visible=named is not None)

    store.param.watch(adapt, "presentation")
    adapt()
    return frame


class StoreView(Viewer):
    """A card that reads the DataStore (`store`); `ds` is the same store, typed as set."""

    store = param.ClassSelector(class_=DataStore, doc="The dashboard's shared DataStore.")

    @property
    def ds(self) -> DataStore:
        """The store (every card is built with one)."""
        if self.store is None:
            raise ValueError(f"{type(self).__name__} needs a DataStore")
        return self.store
