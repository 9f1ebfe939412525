"""Audit figures: one run's stages on a timeline, and stage durations across runs."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from panel_app.charts.theme import PRIMARY, empty, styled
from panel_app.presentation import COUNTS, Measure

STAGE_COLORS = ["#1f5f8b", "#4f8fba", "#2f8f5b", "#e07a1f", "#8e6bbf", "#5b7083", "#c44536", "#b08d1a", "#3a9e9e"]


def stage_timeline(stages: pd.DataFrame, counts: Measure = COUNTS) -> go.Figure:
    """A Gantt chart of a run's stages: when each started, how long it took, rows in and out."""
    if stages.empty:
        return empty("No audit events for this run")
    starts = pd.to_datetime(stages["started_at"], utc=True)
    ends = pd.to_datetime(stages["ended_at"], utc=True)
    width_ms = ((ends - starts).dt.total_seconds() * 1000).clip(lower=1).fillna(1)
    labels = [
        f"{counts.format(i)} → {counts.format(o)} rows · {counts.format(d)} ms"
        for i, o, d in zip(stages["records_in"], stages["records_out"], stages["duration_ms"], strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            y=stages["stage"],
            x=width_ms,
            base=starts.dt.tz_localize(None),
            orientation="h",
            marker_color=PRIMARY,
            text=labels,
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}<br>%{text}<extra></extra>",
        )
    )
    span = max((ends.max() - starts.min()).total_seconds() * 1000, 1.0)
    right = ends.max().tz_localize(None) + pd.Timedelta(milliseconds=0.6 * span)  # room for the labels
    fig.update_xaxes(type="date", title="time (UTC)", range=[starts.min().tz_localize(None), right])
    fig.update_yaxes(autorange="reversed", type="category")
    return styled(fig, 300, legend=False)


def stage_durations(matrix: pd.DataFrame) -> go.Figure:
    """Seconds spent in each stage for each recent run (stacked), oldest at the bottom."""
    if matrix.empty:
        return empty("No finished run yet")
    fig = go.Figure()
    for i, stage in enumerate(matrix.columns):
        fig.add_bar(
            y=list(matrix.index),
            x=matrix[stage],
            orientation="h",
            name=str(stage),
            marker_color=STAGE_COLORS[i % len(STAGE_COLORS)],
            hovertemplate="%{y}<br>" + str(stage) + ": %{x:.2f} s<extra></extra>",
        )
    fig.update_layout(barmode="stack", legend={"traceorder": "normal"})
    fig.update_xaxes(title="seconds", ticksuffix=" s")
    fig.update_yaxes(type="category", tickfont={"size": 10})
    return styled(fig, max(300, 22 * len(matrix) + 80))
