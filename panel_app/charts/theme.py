"""One look for every figure: system fonts (nothing fetched), quiet grid, colours that mean the same everywhere."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from flows.constants import ControlType, RunStatus

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
INK, MUTED, PRIMARY, ACCENT = "#1d2b3a", "#8a98a8", "#1f5f8b", "#e07a1f"
CLEAN, QUARANTINED = "#2f8f5b", "#c44536"
PROMOTED = "#8cc5a1"  # clean rows that stewards promoted from the exceptions (a lighter clean)
STATUS_COLORS: dict[str, str] = {
    RunStatus.COMPLETED: "#2f8f5b",
    RunStatus.REJECTED: "#e07a1f",
    RunStatus.FAILED: "#c44536",
    RunStatus.RUNNING: "#5b7083",
    RunStatus.SKIPPED: "#a0a9b3",
}
CONTROL_COLORS: dict[str, str] = {
    ControlType.SCHEMA: "#6a4c93",
    ControlType.DATA_QUALITY: "#1f5f8b",
    ControlType.BUSINESS_RULE: "#e07a1f",
    ControlType.DUPLICATE: "#2f8f5b",
}
SEQUENTIAL = [[0.0, "#f4f8fb"], [0.5, "#7fb0d3"], [1.0, "#123e5e"]]
ALERT_SCALE = [[0.0, "#fbfbfb"], [0.2, "#f6d7b0"], [1.0, "#b3261e"]]
_AXIS = {"automargin": True, "gridcolor": "#eef1f4", "linecolor": "#d5dbe1", "zeroline": False, "ticks": ""}
# A small template built once: Plotly's named templates are deep-copied into every figure (~17 ms each).
TEMPLATE = go.layout.Template(
    layout={
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "colorway": [PRIMARY, ACCENT, CLEAN, QUARANTINED, "#6a4c93", "#5b7083"],
        "font": {"family": FONT, "size": 12, "color": INK},
        "hoverlabel": {"font": {"family": FONT}},
        "xaxis": _AXIS,
        "yaxis": _AXIS,
    }
)


def styled(fig: go.Figure, height: int = 320, legend: bool = True) -> go.Figure:
    """Apply the dashboard's layout to a figure and return it."""
    fig.update_layout(
        template=TEMPLATE,
        height=height,
        margin={"l": 8, "r": 16, "t": 28 if legend else 12, "b": 8},
        showlegend=legend,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "title": None},
        bargap=0.25,
    )
    return fig


def empty(message: str, height: int = 320) -> go.Figure:
    """A blank figure that says why there is nothing to draw."""
    fig = go.Figure()
    fig.add_annotation(
        text=message, showarrow=False, font={"size": 14, "color": MUTED}, x=0.5, y=0.5, xref="paper", yref="paper"
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return styled(fig, height, legend=False)


def with_share_line(
    fig: go.Figure, runs: pd.DataFrame, selected: str | None, x: str, y: str, name: str, hover: str, **axis: object
) -> go.Figure:
    """Stacked bars per run (the selected run outlined) with a percentage line on a right-hand axis.

    `runs` has `run_id` and the `x` and `y` columns; `hover` is the line's hover template; `axis` adds to the
    right axis (a fixed `range`, or `rangemode`)."""
    widths = [3 if rid == selected else 0 for rid in runs["run_id"]]
    fig.update_traces(marker_line_color="#1d2b3a", marker_line_width=widths)
    line = {"color": ACCENT, "width": 2}
    fig.add_scatter(x=runs[x], y=runs[y], name=name, yaxis="y2", mode="lines+markers", line=line, hovertemplate=hover)
    right = {"overlaying": "y", "side": "right", "ticksuffix": " %", "showgrid": False, **axis}
    fig.update_layout(barmode="stack", yaxis2=right)
    return fig


ZOOM_BUTTONS = (
    {"count": 3, "label": "3 m", "step": "month", "stepmode": "backward"},
    {"count": 6, "label": "6 m", "step": "month", "stepmode": "backward"},
    {"count": 1, "label": "1 y", "step": "year", "stepmode": "backward"},
    {"step": "all", "label": "all"},
)
HOVER_DATES = {"week": "week of %Y-%m-%d", "month": "%b %Y"}


def zoomable(fig: go.Figure, period: str | None, height: int) -> go.Figure:
    """Runs charted by period (metrics.periods: "week" or "month") get a date axis, a range slider and 3 m / 6 m
    / 1 y / all buttons; per-run charts keep one category per run. Returns the figure at its height (taller by
    the slider)."""
    if period is None:
        fig.update_xaxes(type="category", tickangle=-30, tickfont={"size": 10})
        return fig.update_layout(height=height)
    fig.update_xaxes(
        type="date",
        tickangle=0,
        tickfont={"size": 10},
        hoverformat=HOVER_DATES[period],
        rangeslider={"visible": True, "thickness": 0.08},
        rangeselector={"buttons": list(ZOOM_BUTTONS), "x": 1, "xanchor": "right", "y": 1.0, "yanchor": "bottom"},
    )
    return fig.update_layout(height=height + 70)
