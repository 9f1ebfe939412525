"""Alert markers on the across-runs figures: a red triangle above each run with findings, its hover listing them."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

ALERT = "#b3261e"
LIFT = 1.06  # how far above its bar a run's marker sits (a share of the bar's height)


def with_alert_markers(fig: go.Figure, markers: pd.DataFrame | None, tops: pd.Series) -> go.Figure:
    """Add the `markers` (metrics.alerts.run_markers: label, alerts, hover) above the bars, whose heights by
    label are `tops`; no trace at all when no charted run has findings."""
    if markers is None or markers.empty:
        return fig
    fig.add_scatter(
        x=markers["label"],
        y=markers["label"].map(tops).astype(float) * LIFT,
        mode="markers",
        name="Alerts",
        marker={"symbol": "triangle-down", "size": 13, "color": ALERT, "line": {"color": "white", "width": 1}},
        customdata=markers["hover"],
        hovertemplate="%{x}<br>%{customdata}<extra></extra>",
    )
    return fig
