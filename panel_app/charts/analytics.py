"""Analytics figures: a measure by day, by one dimension, over two dimensions, and across runs."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from panel_app.charts.alerts import with_alert_markers
from panel_app.charts.theme import ACCENT, MUTED, PRIMARY, SEQUENTIAL, empty, styled, zoomable
from panel_app.formatting import text
from panel_app.presentation import COUNTS, Measure

NO_DATA = "No records match the filters"


def measure_trend(daily: pd.DataFrame, measure: Measure, compare: pd.DataFrame | None = None) -> go.Figure:
    """A measure per day with its 7-day average; the comparison run's average dashed."""
    if daily.empty:
        return empty(NO_DATA)
    fig = go.Figure()
    hover = "%{x|%a %d %b %Y}<br>%{customdata}<extra>%{fullData.name}</extra>"
    lines = [
        (daily, "value", f"Daily {measure.label}", {"color": "#9cc3de", "width": 1}),
        (daily, "avg_7d", "7-day average", {"color": PRIMARY, "width": 2.5}),
    ]
    if compare is not None and not compare.empty:
        dashed = {"color": ACCENT, "width": 1.5, "dash": "dash"}
        lines.append((compare, "avg_7d", "Comparison run, 7-day average", dashed))
    for frame, column, name, line in lines:
        fig.add_scatter(
            x=frame["day"],
            y=frame[column],
            name=name,
            mode="lines",
            line=line,
            customdata=frame[column].map(measure.format),
            hovertemplate=hover,
        )
    fig.update_yaxes(**measure.axis())
    return styled(fig, 300)


def measure_by(frame: pd.DataFrame, dimension: str, measure: Measure, compare: pd.DataFrame | None = None) -> go.Figure:
    """A measure per key of a dimension, largest on top; the comparison run as a grey bar beside it."""
    if frame.empty:
        return empty(NO_DATA)
    order = frame.sort_values(measure.name)[dimension].tolist()
    labels = [text(str(key)) for key in order]  # keys come from the data: shown as text, never markup
    fig = go.Figure()
    hover = "%{y}<br>%{customdata}<extra>%{fullData.name}</extra>"
    if compare is not None and not compare.empty:
        other = compare.set_index(dimension)[measure.name].reindex(order).fillna(0)
        fig.add_bar(
            y=labels,
            x=other,
            orientation="h",
            name="Comparison run",
            marker_color="#c9d3dd",
            customdata=other.map(measure.format),
            hovertemplate=hover,
        )
    values = frame.set_index(dimension)[measure.name].reindex(order)
    fig.add_bar(
        y=labels,
        x=values,
        orientation="h",
        name="This run",
        marker_color=PRIMARY,
        text=values.map(measure.short),
        customdata=values.map(measure.format),
        hovertemplate=hover,
    )
    fig.update_layout(barmode="group")
    fig.update_yaxes(type="category")
    fig.update_xaxes(**measure.axis())
    return styled(fig, 300, legend=compare is not None and not compare.empty)


def heatmap(matrix: pd.DataFrame, measure: Measure) -> go.Figure:
    """A measure over two dimensions (rows x columns), each cell labelled."""
    if matrix.empty:
        return empty(NO_DATA)
    fig = go.Figure(
        go.Heatmap(
            z=matrix.to_numpy(),
            x=[text(str(c)) for c in matrix.columns],
            y=[text(str(i)) for i in matrix.index],
            colorscale=SEQUENTIAL,
            text=matrix.map(measure.short).to_numpy(),
            texttemplate="%{text}",
            customdata=matrix.map(measure.format).to_numpy(),
            hovertemplate="%{y} × %{x}<br>%{customdata}<extra></extra>",
            colorbar={**measure.axis(), "thickness": 12},
        )
    )
    fig.update_xaxes(type="category")
    fig.update_yaxes(type="category", autorange="reversed")
    return styled(fig, 300, legend=False)


def totals_across_runs(
    totals: pd.DataFrame,
    measure: Measure,
    selected: str | None,
    records: Measure = COUNTS,
    alerts: pd.DataFrame | None = None,
    period: str | None = None,
) -> go.Figure:
    """A measure's whole-file total in every COMPLETED run, the selected run highlighted; runs with findings
    (`alerts`: metrics.alerts.run_markers) marked above their bars. With a `period` (metrics.periods), one bar
    per period (x: its first day, `runs` in the hover) on a zoomable date axis."""
    if totals.empty:
        return empty("No completed run yet")
    colors = totals["run_id"].eq(selected or "").map({True: PRIMARY, False: "#b8c7d6"})
    hover = "%{x}<br>%{customdata}<extra></extra>"
    custom = totals[measure.name].map(measure.format) + " · " + totals["record_count"].map(records.format) + " records"
    if period is not None:
        custom = custom + " · " + totals["runs"].astype(str) + " runs"
    fig = go.Figure(
        go.Bar(x=totals["label"], y=totals[measure.name], marker_color=colors, customdata=custom, hovertemplate=hover)
    )
    with_alert_markers(fig, alerts, totals.set_index("label")[measure.name])
    fig.update_yaxes(**measure.axis())
    fig.update_xaxes(tickfont={"color": MUTED})
    return zoomable(styled(fig, 260, legend=False), period, 260)
