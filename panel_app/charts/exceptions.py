"""Exception figures: quarantined records per category, control or raw value, clickable for drill-down."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from panel_app.charts.theme import CONTROL_COLORS, QUARANTINED, empty, styled
from panel_app.formatting import text
from panel_app.presentation import COUNTS, Measure

MAX_BARS = 12


def exception_bars(counts: pd.DataFrame, records: Measure = COUNTS, color: str = QUARANTINED) -> go.Figure:
    """Quarantined records per key (largest on top); each bar carries its raw key for drill-down.

    `records` writes the counts (with the dataset's digit grouping).
    """
    if counts.empty:
        return empty("No exception matches the filters", 280)
    top = counts.head(MAX_BARS).iloc[::-1]
    labels = [text(str(k)[:40]) for k in top["key"]]  # raw values are shown as text, never markup
    kinds = top["control_type"].astype(str) if "control_type" in top else pd.Series("", index=top.index)
    colors = [CONTROL_COLORS.get(str(c), color) for c in top["control_type"]] if "control_type" in top else color
    fig = go.Figure(
        go.Bar(
            y=labels,
            x=top["records"],
            orientation="h",
            marker_color=colors,
            customdata=top["key"],
            text=top["records"].map(records.format),
            textposition="auto",
            hovertext=kinds,
            hovertemplate="%{y} %{hovertext}<br>%{text} records: click to list them<extra></extra>",
        )
    )
    fig.update_yaxes(type="category")
    fig.update_layout(clickmode="event")
    return styled(fig, 280, legend=False)
