"""One exception in full: its values as received, why it is quarantined, its status and every steward event;
for a signed-in steward with a writer connection, the form that corrects, waives, dismisses or reopens it.

An exception is picked by clicking its row in the quarantined-rows table, or by typing its id.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pandas as pd
import panel as pn
import param

from flows.constants import StewardAction
from flows.storage.read import ExceptionFilter
from panel_app.access import READ_ONLY, StewardAccess, access_of
from panel_app.formatting import text
from panel_app.metrics.exceptions import reasons
from panel_app.views.common import StoreView, card, html, notice
from panel_app.views.tables import DataTable

EVENT_COLUMNS = ["created_at", "action", "status_after", "user_name", "note", "corrected values", "still fails"]


def history_rows(events: pd.DataFrame) -> pd.DataFrame:
    """Events as a reader sees them: the corrected values and a failing correction's findings as text."""
    if events.empty:
        return pd.DataFrame(columns=EVENT_COLUMNS)

    def values(cell: Any) -> str:
        found = json.loads(cell) if isinstance(cell, str) else cell
        return ", ".join(f"{k} = {v}" for k, v in found.items()) if found else ""

    def failing(cell: Any) -> str:
        found = json.loads(cell) if isinstance(cell, str) else cell
        return ", ".join(sorted({str(f.get("rule")) for f in found})) if found else ""

    rows = events.assign(
        created_at=events["created_at"].dt.strftime("%Y-%m-%d %H:%M:%S UTC"),
        **{"corrected values": events["corrected_values"].map(values), "still fails": events["findings"].map(failing)},
    )
    return rows[EVENT_COLUMNS]


def outcome_message(outcome: Any, seconds: float) -> tuple[str, str]:
    """What one action led to, in one line, and its notice kind."""
    took = f" ({seconds:.1f} s, replay {str(outcome.run_id)[:8]})"
    if outcome.refused:
        return f"Refused: {outcome.refused[0].reason}{took}", "danger"
    if outcome.reason and not outcome.applied:
        return f"Nothing changed: {outcome.reason}{took}", "warning"
    done = {"promoted": outcome.promoted, "still open": outcome.still_open, "dismissed": outcome.dismissed}
    done["reopened"] = outcome.reopened
    said = ", ".join(f"{name}" for name, count in done.items() if count) or "applied"
    suite = "".join(f". Note: {note}" for note in outcome.suite_notes)  # the run was loaded with another suite
    return f"Done: {said}{took}{suite}", "warning" if outcome.still_open else "info"


class ExceptionHistory(StoreView):
    """The picked exception's values, reasons, status and events, and the steward's form when allowed."""

    access = param.Parameter(default=READ_ONLY, doc="The session's StewardAccess.")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        store = self.ds
        self.picker = pn.widgets.IntInput.from_param(store.param.picked, width=160, placeholder="click a row")
        self.events = DataTable(self.history, "exception_history.csv", page_size=0, wrap={"note": 240})
        self.message = html("", margin=(4, 10))
        self.action = pn.widgets.Select(label="Action", options=[a.value for a in StewardAction], width=130)
        self.note = pn.widgets.TextInput(label="Note (required)", sizing_mode="stretch_width")
        self.apply = pn.widgets.Button(label="Apply", color="primary", width=110, margin=(24, 10, 5, 10))
        self.apply.on_click(lambda _: self.act())
        self.fields: dict[str, pn.widgets.TextInput] = {}
        self.values = pn.Row(sizing_mode="stretch_width")
        store.param.watch(self._prefill, ["picked", "revision", "presentation"])

    @property
    def steward(self) -> StewardAccess:
        """The session's access (read-only unless signed in with a writer)."""
        return access_of(self.access)

    def row(self) -> pd.Series | None:
        """The picked exception of the selected run as the table shows it (None when it is not one of the run's)."""
        store = self.ds
        if store.picked is None or not store.has_results or not store.run_id:
            return None
        page, _ = store.reader.exception_page(store.run_id, ExceptionFilter(exception_id=store.picked), 1, 1)
        return page.iloc[0] if len(page) else None

    @param.depends("store.picked", "store.revision", "store.run_id")
    def summary(self) -> str:
        """The exception's status, record and every reason, or what to do to see one (escaped)."""
        row = self.row()
        if row is None:
            picked = self.ds.picked
            hint = "Click a quarantined row above, or type its exception id."
            return notice(hint if picked is None else f"Exception {picked} is not one of this run's.")
        said = f"Exception <b>{text(row['exception_id'])}</b> · record {text(row['record_id'])} · "
        said += f"status <b>{text(str(row['status']).lower())}</b> · {text(reasons(row['error_details']))}"
        return f'<div class="context">{said}</div>'

    @param.depends("store.picked", "store.revision", "store.run_id")
    def history(self) -> pd.DataFrame:
        """The picked exception's events, oldest first."""
        if self.row() is None or self.ds.picked is None:
            return history_rows(pd.DataFrame())
        return history_rows(self.ds.reader.exception_history(self.ds.picked))

    def _prefill(self, *_: object) -> None:
        """One input per source field, holding the picked exception's value as received."""
        row, names = self.row(), self.ds.presentation.fields
        if list(self.fields) != list(names):
            self.fields = {name: pn.widgets.TextInput(label=name, width=140) for name in names}
            self.values.objects = list(self.fields.values())
        for name, widget in self.fields.items():
            value = row.get(name) if row is not None else None
            widget.value = "" if value is None or pd.isna(value) else str(value)

    def act(self) -> None:
        """Apply the form's action to the picked exception as the signed-in user, then show what it led to."""
        from flows.steward import StewardError

        access, row = self.steward, self.row()
        if not access.can_write or access.steward is None or access.user is None or row is None:
            self.message.object = notice("Pick one of this run's exceptions first.", "warning")
            return
        values = {name: widget.value or "" for name, widget in self.fields.items()}
        started = time.perf_counter()
        try:
            outcome = access.steward.act(
                self.ds.dataset or "",
                access.user,
                int(row["exception_id"]),
                str(self.action.value),
                self.note.value or "",
                values,
            )
        except StewardError as error:
            self.message.object = notice(f"Nothing was changed: {error}", "danger")
            return
        said, kind = outcome_message(outcome, time.perf_counter() - started)
        self.message.object = notice(said, kind)
        if kind != "danger":
            self.note.value = ""
        self.ds.results_changed()

    def __panel__(self) -> pn.viewable.Viewable:
        parts: list[Any] = [pn.Row(self.picker, html(self.summary, margin=(24, 10)))]
        if self.steward.can_write:
            self._prefill()
            who = html(f'<div class="context">Acting as <b>{text(self.steward.user)}</b></div>', margin=(4, 10))
            values = '<div class="context">Values as received: change the ones to correct (blank keeps).</div>'
            parts += [who, pn.Row(self.action, self.note, self.apply), html(values, margin=(0, 10))]
            parts += [self.values, self.message]
        else:
            parts.append(html(notice(self.steward.read_only_reason()), margin=(4, 10)))
        parts.append(self.events.layout())
        return card("One exception: values, reasons and history", *parts)
