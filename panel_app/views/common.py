"""What every card is made of: a card frame, a chart pane, tiles, notices (tables: `views.tables`).

Values from the data only ever reach HTML through `formatting.text` (escaped), so a value is always
shown as text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import panel as pn
import param
from panel.viewable import Viewer

from panel_app.data_store import DataStore
from panel_app.formatting import text
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
