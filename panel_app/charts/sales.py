"""Sales figures: revenue by day, by region or product, region x product, and across runs."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from panel_app.charts.theme import ACCENT, MUTED, PRIMARY, SEQUENTIAL, empty, styled
from panel_app.formatting import format_inr, format_inr_short, format_number

RUPEE_AXIS = {"tickprefix": "₹", "tickformat": "~s"}
NO_SALES = "No sales match the filters"


def revenue_trend(daily: pd.DataFrame, compare: pd.DataFrame | None = None) -> go.Figure:
    """Daily revenue with its 7-day average; the comparison run's average dashed."""
    if daily.empty:
        return empty(NO_SALES)
    fig = go.Figure()
    hover = "%{x|%a %d %b %Y}<br>%{customdata}<extra>%{fullData.name}</extra>"
    fig.add_scatter(
        x=daily["order_date"],
        y=daily["revenue"],
        name="Daily revenue",
        mode="lines",
        line={"color": "#9cc3de", "width": 1},
        customdata=daily["revenue"].map(format_inr),
        hovertemplate=hover,
    )
    fig.add_scatter(
        x=daily["order_date"],
        y=daily["avg_7d"],
        name="7-day average",
        mode="lines",
        line={"color": PRIMARY, "width": 2.5},
        customdata=daily["avg_7d"].map(format_inr),
        hovertemplate=hover,
    )
    if compare is not None and not compare.empty:
        fig.add_scatter(
            x=compare["order_date"],
            y=compare["avg_7d"],
            name="Comparison run, 7-day average",
            mode="lines",
            line={"color": ACCENT, "width": 1.5, "dash": "dash"},
            customdata=compare["avg_7d"].map(format_inr),
            hovertemplate=hover,
        )
    fig.update_yaxes(**RUPEE_AXIS)
    return styled(fig, 300)


def revenue_by(frame: pd.DataFrame, dimension: str, compare: pd.DataFrame | None = None) -> go.Figure:
    """Revenue per region or product, largest on top; the comparison run as a grey bar beside it."""
    if frame.empty:
        return empty(NO_SALES)
    order = frame.sort_values("revenue")[dimension].tolist()
    fig = go.Figure()
    hover = "%{y}<br>%{customdata}<extra>%{fullData.name}</extra>"
    if compare is not None and not compare.empty:
        other = compare.set_index(dimension).reindex(order).fillna(0).reset_index()
        fig.add_bar(
            y=other[dimension],
            x=other["revenue"],
            orientation="h",
            name="Comparison run",
            marker_color="#c9d3dd",
            customdata=other["revenue"].map(format_inr),
            hovertemplate=hover,
        )
    values = frame.set_index(dimension)["revenue"].reindex(order)
    text, custom = values.map(format_inr_short), values.map(format_inr)
    fig.add_bar(
        y=order,
        x=values,
        orientation="h",
        name="This run",
        marker_color=PRIMARY,
        text=text,
        customdata=custom,
        hovertemplate=hover,
    )
    fig.update_layout(barmode="group")
    fig.update_xaxes(**RUPEE_AXIS)
    return styled(fig, 300, legend=compare is not None and not compare.empty)


def region_product_heatmap(matrix: pd.DataFrame) -> go.Figure:
    """Revenue of every region (rows) and product (columns), each cell labelled."""
    if matrix.empty:
        return empty(NO_SALES)
    cells = matrix.map(format_inr_short).to_numpy()
    fig = go.Figure(
        go.Heatmap(
            z=matrix.to_numpy(),
            x=list(matrix.columns),
            y=list(matrix.index),
            colorscale=SEQUENTIAL,
            text=cells,
            texttemplate="%{text}",
            customdata=matrix.map(format_inr).to_numpy(),
            hovertemplate="%{y} × %{x}<br>%{customdata}<extra></extra>",
            colorbar={"tickprefix": "₹", "tickformat": "~s", "thickness": 12},
        )
    )
    fig.update_yaxes(autorange="reversed")
    return styled(fig, 300, legend=False)


def revenue_across_runs(totals: pd.DataFrame, selected: str | None) -> go.Figure:
    """Whole-file revenue of every COMPLETED run, the selected run highlighted."""
    if totals.empty:
        return empty("No completed run yet")
    colors = [PRIMARY if rid == selected else "#b8c7d6" for rid in totals["run_id"]]
    hover = "%{x}<br>%{customdata}<extra></extra>"
    custom = [
        f"{format_inr(r)} · {format_number(n)} orders"
        for r, n in zip(totals["revenue"], totals["record_count"], strict=True)
    ]
    fig = go.Figure(
        go.Bar(x=totals["label"], y=totals["revenue"], marker_color=colors, customdata=custom, hovertemplate=hover)
    )
    fig.update_yaxes(**RUPEE_AXIS)
    fig.update_xaxes(type="category", tickangle=-30, tickfont={"size": 10, "color": MUTED})
    return styled(fig, 260, legend=False)
