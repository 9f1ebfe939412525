"""Alert cards: the banner on the selected run, and the dataset's findings across runs (Data Quality tab).

Findings come from the reader (`alerts`, `run_alerts`: a cached list, re-read on *Reload runs*); the words
and the list are shaped in `metrics.alerts`.
"""

from __future__ import annotations

import pandas as pd
import panel as pn
import param

from panel_app.metrics.alerts import THIS_RUN, alert_list, banner_text
from panel_app.ports import ALERT_LIMIT
from panel_app.views.common import StoreView, card, html, notice
from panel_app.views.tables import DataTable

SEE_LIST = " See Data Quality → Alerts for every finding."


def run_findings(view: StoreView) -> pd.DataFrame:
    """The selected run's findings (none when no run is selected)."""
    s = view.ds
    return s.reader.run_alerts(s.run_id) if s.run_id and s.dataset else pd.DataFrame()


class AlertBanner(StoreView):
    """A red banner under the run's status when the selected run has findings: how many, and the first few."""

    @param.depends("store.run_id", "store.runs")
    def markup(self) -> str:
        """The banner as escaped HTML (empty when the run has no findings)."""
        said = banner_text(run_findings(self))
        return notice(said + "." + SEE_LIST, "danger") if said else ""

    def __panel__(self) -> pn.viewable.Viewable:
        return html(self.markup, margin=(0, 10))


class AlertList(StoreView):
    """The dataset's latest findings across runs, the selected run's first (marked), then newest first."""

    def __init__(self, **params: object) -> None:
        super().__init__(**params)
        self.table = DataTable(self.frame, "alerts.csv", wrap={"expected": 0, "notified": 220})

    @param.depends("store.run_id", "store.runs")
    def frame(self) -> pd.DataFrame:
        """The list's rows (metrics.alerts.LIST_COLUMNS)."""
        s = self.ds
        listed = s.reader.alerts() if s.dataset else pd.DataFrame()
        if listed.empty:
            return alert_list(listed, listed, s.runs, s.run_id)
        return alert_list(listed, run_findings(self), s.runs, s.run_id)

    @param.depends("store.run_id", "store.runs")
    def summary(self) -> str:
        """How many findings the list holds, and how many are the selected run's (escaped HTML)."""
        rows = self.frame()
        if rows.empty:
            return notice("No alert has been recorded for this dataset: no threshold crossed, no anomaly.")
        mine = int((rows["this_run"] == THIS_RUN).sum())
        said = f"{mine} on the selected run, marked {THIS_RUN} and listed first" if mine else "none on the selected run"
        count = f"{len(rows)} finding{'s' if len(rows) != 1 else ''}"
        return f'<div class="context">{count} ({said}); the latest {ALERT_LIMIT} at most.</div>'

    def __panel__(self) -> pn.viewable.Viewable:
        return card("Alerts: thresholds crossed and anomalies, across runs", html(self.summary), self.table.layout())
