"""Stewardship figures: how each run's quarantined records were resolved, and steward actions per day."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from panel_app.charts.theme import (
    ACCENT,
    CLEAN,
    MUTED,
    PRIMARY,
    PROMOTED,
    QUARANTINED,
    empty,
    styled,
    with_share_line,
    zoomable,
)
from panel_app.metrics.stewardship import PER_RUN
from panel_app.presentation import COUNTS, Measure

WAIVED = PROMOTED  # promoted as received
OUTCOME_COLORS = {
    "corrected → promoted": CLEAN,
    "waived → promoted": WAIVED,
    "dismissed": MUTED,
    "still open": QUARANTINED,
    "corrected, still failing": ACCENT,
    "reopened": PRIMARY,
}
STACK = ("promoted_by_correction", "promoted_by_waiver", "dismissed", "open")  # bottom to top


def resolutions_per_run(
    table: pd.DataFrame, selected: str | None, records: Measure = COUNTS, period: str | None = None
) -> go.Figure:
    """Each COMPLETED run's quarantined records stacked by outcome, with the share resolved as a line; with a
    `period` (metrics.periods), one bar per period (`run`: its first day) on a zoomable date axis."""
    if table.empty:
        return empty("No completed run yet")
    if int(table["quarantined"].sum()) == 0:
        return empty("No run has quarantined records")
    fig = go.Figure()
    for column in STACK:
        name = PER_RUN[column]
        fig.add_bar(
            x=table["run"],
            y=table[column],
            name=name,
            marker_color=OUTCOME_COLORS[name],
            customdata=table[column].map(records.format),
            hovertemplate=f"%{{x}}<br>%{{customdata}} {name}<extra></extra>",
        )
    hover = "%{x}<br>%{y:.1f} %% resolved<extra></extra>"
    with_share_line(fig, table, selected, "run", "resolved_pct", "Resolved (% of quarantined)", hover, range=[0, 105])
    fig.update_layout(yaxis={"title": "quarantined records"})
    return zoomable(styled(fig, 340), period, 340)


def resolutions_over_time(daily: pd.DataFrame, records: Measure = COUNTS) -> go.Figure:
    """Steward actions per day (UTC), stacked by what they led to."""
    if daily.empty:
        return empty("No steward action yet")
    fig = go.Figure()
    days = [pd.Timestamp(d) for d in daily.index]
    for outcome in daily.columns:
        fig.add_bar(
            x=days,
            y=daily[outcome],
            name=str(outcome),
            marker_color=OUTCOME_COLORS.get(str(outcome), MUTED),
            customdata=daily[outcome].map(records.format),
            hovertemplate=f"%{{x|%d %b %Y}}<br>%{{customdata}} {outcome}<extra></extra>",
        )
    fig.update_layout(barmode="stack", yaxis={"title": "exceptions"})
    one_day = 86_400_000  # ms: a tick per day at most (one day alone would get ticks every few hours)
    fig.update_xaxes(type="date", title="day (UTC)", tickformat="%d %b", dtick=one_day if len(days) < 15 else None)
    return styled(fig, 300)
