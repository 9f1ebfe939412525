"""Cards about what is on screen: the selection line, the run's status banner, and the empty/unreachable pages."""

from __future__ import annotations

import panel as pn
import param

from flows.constants import RunStatus
from panel_app.formatting import text
from panel_app.metrics.runs import COMPLETED, reason
from panel_app.ports import DatabaseState
from panel_app.presentation import field_label
from panel_app.views.common import StoreView, card, html, notice

EMPTY_HELP = (
    "<p>To fill it, run the pipeline once from the repository root:</p>"
    "<p><code>make demo</code> &nbsp;generates 5,000 orders and runs the flow into <code>data/pipeline.db</code>,"
    " or <code>.venv/bin/python -m flows.pipeline --source &lt;file.csv&gt;</code> for a file of your own.</p>"
    "<p>Then press <b>Check again</b>. To read another database, set <code>DASHBOARD_DATABASE_URL</code>"
    " (or <code>DATABASE_URL</code>) before <code>make dashboard</code>.</p>"
)
UNREACHABLE_HELP = (
    "<p>Database: <code>{where}</code>. Check that the server is running and that <code>DASHBOARD_DATABASE_URL</code>"
    " (or <code>DATABASE_URL</code>) points at it, then press <b>Check again</b>.</p>"
)


class Selection(StoreView):
    """One line saying which run, comparison run and filters the figures show."""

    @param.depends("store.run_id", "store.compare_run_id", "store.date_range", "store.filters")
    def markup(self) -> str:
        """The selection as escaped HTML."""
        s, run, other = self.ds, self.ds.run, self.ds.compare_run
        mine = (
            f"{text(run['source_name'])} ({text(run['status'])}, {run['started_at']:%Y-%m-%d %H:%M} UTC)"
            if run is not None
            else ""
        )
        theirs = f"{text(other['source_name'])} ({other['started_at']:%Y-%m-%d %H:%M} UTC)" if other is not None else ""
        dates = f"{s.date_range[0]} → {s.date_range[1]}" if s.date_range else "all dates"
        p = s.presentation
        parts = [
            f"<b>{text(p.title or 'No dataset')}</b>",
            f"<b>run</b> {mine or 'none'}",
            f"<b>compared with</b> {theirs}" if theirs else "no comparison",
            f"<b>dates</b> {text(dates)}",
            *(f"<b>{text(field_label(d))}</b> {text(', '.join(s.filters.get(d, [])) or 'all')}" for d in p.dimensions),
        ]
        return '<div class="context">' + " · ".join(parts) + "</div>"

    def __panel__(self) -> pn.viewable.Viewable:
        return html(self.markup, margin=(4, 10))


class RunBanner(StoreView):
    """A warning when the selected run has no results: rejected (with its reason), failed, in progress or skipped."""

    @param.depends("store.run_id", "store.runs")
    def markup(self) -> str:
        """The banner as escaped HTML (empty for a COMPLETED run)."""
        run = self.ds.run
        if run is None or run["status"] == COMPLETED:
            return ""
        kind = "danger" if run["status"] in (RunStatus.REJECTED, RunStatus.FAILED) else "warning"
        return notice(f"{run['source_name']} was {run['status']}: {reason(run)}. It has no results to show.", kind)

    def __panel__(self) -> pn.viewable.Viewable:
        return html(self.markup, margin=(0, 10))


def state_page(state: DatabaseState, masked_url: str, check_again: pn.widgets.Button) -> pn.viewable.Viewable:
    """The page shown instead of the tabs when the database is empty or cannot be reached."""
    where = text(masked_url)
    if state.kind == "unreachable":
        message = notice(
            f"The database cannot be reached ({state.detail}).", "danger", UNREACHABLE_HELP.format(where=where)
        )
        return card("Database unreachable", html(message), check_again)
    message = notice(
        f"Nothing to show yet: {state.detail}.", "info", f"<p>Database: <code>{where}</code>.</p>{EMPTY_HELP}"
    )
    return card("No pipeline runs yet", html(message), check_again)
