"""Quality figures: clean vs quarantined, pass rate per control, quality across runs, exceptions by key."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from panel_app.charts.alerts import with_alert_markers
from panel_app.charts.theme import (
    ALERT_SCALE,
    CLEAN,
    CONTROL_COLORS,
    MUTED,
    PRIMARY,
    PROMOTED,
    QUARANTINED,
    empty,
    styled,
    with_share_line,
    zoomable,
)
from panel_app.presentation import COUNTS, Measure

MAX_BARS = 12


def clean_split(clean: int, quarantined: int, records: Measure = COUNTS, promoted: int = 0) -> go.Figure:
    """Clean versus quarantined records of a run, as a donut with the share clean in the middle.

    `promoted`: quarantined records that stewards have since promoted into the clean data; they are counted in
    `clean` and in `quarantined` and drawn once, as a slice of their own.
    """
    loaded, still = clean - promoted, quarantined - promoted
    total = loaded + promoted + still
    if not total:
        return empty("The run holds no records")
    slices = [
        ("Clean", loaded, CLEAN),
        ("Promoted by stewards", promoted, PROMOTED),
        ("Quarantined", still, QUARANTINED),
    ]
    labels, values, colors = zip(*(s for s in slices if s[1] or s[0] != "Promoted by stewards"), strict=True)
    fig = go.Figure(
        go.Pie(
            labels=labels,
            values=values,
            hole=0.62,
            sort=False,
            marker={"colors": colors},
            customdata=[records.format(v) for v in values],
            texttemplate="%{label}<br>%{customdata}",
            hovertemplate="%{label}: %{customdata} records (%{percent})<extra></extra>",
        )
    )
    share = 100 * (loaded + promoted) / total
    fig.add_annotation(text=f"<b>{share:.1f} %</b><br>clean", showarrow=False, font={"size": 18})
    return styled(fig, 300, legend=False)


def pass_rates(controls: pd.DataFrame, compare: pd.DataFrame | None = None, records: Measure = COUNTS) -> go.Figure:
    """Pass rate of each record-level control, worst first, coloured by control type; comparison as rings."""
    rows = controls[controls["scope"] == "record"].sort_values("pass_rate_pct", ascending=False)
    if rows.empty:
        return empty("No record-level control ran")
    fig = go.Figure()
    hover = "%{y}: %{x:.2f} %% pass<br>%{customdata} failed<extra>%{fullData.name}</extra>"
    if compare is not None and not compare.empty:
        other = compare.set_index("rule").reindex(rows["rule"]).reset_index()
        fig.add_scatter(
            x=other["pass_rate_pct"],
            y=other["rule"],
            mode="markers",
            name="Comparison run",
            marker={"symbol": "circle-open", "size": 11, "color": MUTED},
            customdata=other["failed"].map(records.format),
            hovertemplate=hover,
        )
    for control_type, part in rows.groupby("control_type", sort=False):
        fig.add_scatter(
            x=part["pass_rate_pct"],
            y=part["rule"],
            mode="markers",
            name=str(control_type),
            marker={"size": 10, "color": CONTROL_COLORS.get(str(control_type), PRIMARY)},
            customdata=part["failed"].map(records.format),
            hovertemplate=hover,
        )
    fig.update_yaxes(categoryorder="array", categoryarray=list(rows["rule"]))
    fig.update_xaxes(ticksuffix=" %", title="records passing")
    return styled(fig, 420)


def quality_trend(
    history: pd.DataFrame,
    selected: str | None,
    records: Measure = COUNTS,
    alerts: pd.DataFrame | None = None,
    period: str | None = None,
) -> go.Figure:
    """Clean and quarantined records per COMPLETED run (stacked) with the quality score as a line; runs with
    findings (`alerts`: metrics.alerts.run_markers) marked above their bars. With a `period` (metrics.periods),
    `history` has one row per period (x: its first day) and the chart zooms."""
    if history.empty:
        return empty("No completed run yet")
    fig = go.Figure()
    fig.add_bar(
        x=history["label"],
        y=history["clean"],
        name="Clean",
        marker_color=CLEAN,
        customdata=history["clean"].map(records.format),
        hovertemplate="%{x}<br>%{customdata} clean<extra></extra>",
    )
    fig.add_bar(
        x=history["label"],
        y=history["quarantined"],
        name="Quarantined",
        marker_color=QUARANTINED,
        customdata=history["quarantined"].map(records.format),
        hovertemplate="%{x}<br>%{customdata} quarantined<extra></extra>",
    )
    hover = "%{x}<br>%{y:.2f} %% clean<extra></extra>"
    with_share_line(
        fig, history, selected, "label", "quality_pct", "Quality score (% clean)", hover, rangemode="tozero"
    )
    with_alert_markers(fig, alerts, history.set_index("label")["clean"] + history.set_index("label")["quarantined"])
    fig.update_layout(yaxis={"title": "records"})
    return zoomable(styled(fig, 320), period, 320)


def failure_heatmap(rates: pd.DataFrame, period: str | None = None) -> go.Figure:
    """Failure rate (%) of each record-level control (rows) across the last runs (columns), or with a `period`
    (metrics.periods) across every period (columns: their first days; no cell text, a zoomable date axis)."""
    if rates.empty or rates.shape[1] == 0:
        return empty("No completed run yet")
    fig = go.Figure(
        go.Heatmap(
            z=rates.to_numpy(),
            x=list(rates.columns),
            y=list(rates.index),
            colorscale=ALERT_SCALE,
            zmin=0,
            texttemplate="%{z:.1f}" if period is None else None,
            hovertemplate="%{y}<br>%{x}<br>%{z:.2f} %% of records failed<extra></extra>",
            colorbar={"ticksuffix": " %", "thickness": 12},
        )
    )
    fig.update_yaxes(autorange="reversed")
    return zoomable(styled(fig, 440, legend=False), period, 440)
