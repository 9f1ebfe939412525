"""Audit Trail cards: the run's file, checksum, reconciliation and links; its stages; every run over time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import panel as pn
import param
import plotly.graph_objects as go

from flows.constants import RunStatus
from panel_app.charts import audit as charts
from panel_app.charts.theme import empty
from panel_app.data_store import DataStore
from panel_app.formatting import text
from panel_app.metrics.audit import stage_matrix, stage_table
from panel_app.metrics.runs import docs_href, flow_run_href, reason, runs_table
from panel_app.views.common import StoreView, card, html, notice, plot
from panel_app.views.tables import DataTable


def _link(href: str | None, label: str, missing: str) -> str:
    if href is None:
        return text(missing)
    return f'<a href="{text(href)}" target="_blank" rel="noopener noreferrer">{text(label)}</a>'


class RunDetails(StoreView):
    """The selected run: status and reason, source file and checksum, suite, counts, reconciliation, links."""

    docs_dir = param.Path(default=Path("data/docs"), check_exists=False)
    prefect_ui_url = param.String(default="http://127.0.0.1:4200")

    @param.depends("store.run_id", "store.runs")
    def markup(self) -> str:
        """The run's details as an escaped definition list."""
        run = self.ds.run
        if run is None:
            return notice("No run selected.")
        status = str(run["status"])
        why = reason(run)
        ended, count = run["ended_at"], self.ds.presentation.count
        counts = (
            f"{count(run['raw_count'])} received = {count(run['clean_count'])} clean + "
            f"{count(run['exception_count'])} quarantined · {count(run['warning_count'])} warnings"
        )
        reconciled = {True: "balanced ✓ (every raw record is in exactly one of clean or exceptions; sums agree)"}
        items = [
            ("Status", text(status) + (f" — {text(why)}" if why else "")),
            ("Source file", text(run["source_name"])),
            ("SHA-256", f"<code>{text(run['source_sha256'] or '–')}</code>"),
            ("Size", f"{count(run['source_bytes'])} bytes" if pd.notna(run["source_bytes"]) else "–"),
            ("Suite", f"{text(run['suite_name'])} · version <code>{text(run['suite_version'])}</code>"),
            ("Started (UTC)", text(f"{run['started_at']:%Y-%m-%d %H:%M:%S}")),
            ("Ended (UTC)", text(f"{ended:%Y-%m-%d %H:%M:%S}") if pd.notna(ended) else "still running"),
            ("Duration", text(f"{(ended - run['started_at']).total_seconds():.2f} s") if pd.notna(ended) else "–"),
            ("Records", text(counts) if status == RunStatus.COMPLETED else "–"),
            ("Reconciliation", text(reconciled.get(run["reconciled"], "not reconciled (" + status + ")"))),
            (
                "Data Docs",
                _link(
                    docs_href(run["data_docs_path"], Path(self.docs_dir)),
                    "open the GX validation report",
                    "not available",
                ),
            ),
            (
                "Prefect flow run",
                _link(flow_run_href(self.prefect_ui_url, run["flow_run_id"]), str(run["flow_run_id"]), "not recorded"),
            ),
            ("Run id", f"<code>{text(run['run_id'])}</code>"),
        ]
        return '<dl class="details">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in items) + "</dl>"

    def __panel__(self) -> pn.viewable.Viewable:
        return card("Run record", html(self.markup))


def _stages(store: DataStore) -> pd.DataFrame:
    """The selected run's stages (nothing while it is still RUNNING)."""
    run = store.run
    if run is None or run["status"] == RunStatus.RUNNING:
        return stage_table(pd.DataFrame())
    return stage_table(store.reader.audit_events(str(run["run_id"])))


class StageTimeline(StoreView):
    """The selected run's stages on a timeline, with durations and record counts."""

    @param.depends("store.run_id", "store.runs")
    def figure(self) -> go.Figure:
        """The stage Gantt chart."""
        run = self.ds.run
        if run is not None and run["status"] == RunStatus.RUNNING:
            return empty("The run is in progress")
        return charts.stage_timeline(_stages(self.ds), self.ds.presentation.records)

    def __panel__(self) -> pn.viewable.Viewable:
        return card("Stages of this run", plot(self.figure, 330))


class StageEvents(StoreView):
    """The selected run's stage events as a table: start, end, duration, records in and out, details."""

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        numbers = ("duration_ms", "records_in", "records_out")
        self.data = DataTable(
            self.frame, "run_stages.csv", numbers=numbers, page_size=0, wrap={"details": 0}, store=self.ds
        )

    @param.depends("store.run_id", "store.runs")
    def frame(self) -> pd.DataFrame:
        """One row per stage, times in UTC to the millisecond."""
        stages = _stages(self.ds)
        for column in ("started_at", "ended_at"):
            stamps = pd.to_datetime(stages[column], utc=True)
            stages[column] = stamps.dt.strftime("%Y-%m-%d %H:%M:%S.%f").str.slice(0, 23)
        return stages.rename(columns={"started_at": "started_utc", "ended_at": "ended_utc"})

    def __panel__(self) -> pn.viewable.Viewable:
        return card("Stage events (audit_log)", self.data.layout())


class RunHistory(StoreView):
    """Every run: stage durations of recent runs, and the full run list (in-progress runs only listed)."""

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        numbers = ("raw", "clean", "exceptions")
        self.data = DataTable(self.runs, "runs.csv", numbers=numbers, page_size=15, wrap={"reason": 0}, store=self.ds)

    @param.depends("store.runs")
    def runs(self) -> pd.DataFrame:
        """All runs, newest first."""
        return runs_table(self.ds.runs) if not self.ds.runs.empty else pd.DataFrame()

    @param.depends("store.runs")
    def figure(self) -> go.Figure:
        """Stage durations of the last runs."""
        if self.ds.runs.empty:
            return empty("No run yet")
        return charts.stage_durations(stage_matrix(self.ds.reader.stage_durations(), self.ds.runs))

    def __panel__(self) -> pn.viewable.Viewable:
        return card("All runs", plot(self.figure, 480), self.data.layout())
