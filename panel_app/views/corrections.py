"""The bulk route in the dashboard: download the run's open exceptions as a corrections template, and (for a
signed-in steward with a writer connection) upload the filled file to apply it."""

from __future__ import annotations

import io
import time
from typing import Any

import panel as pn
import param

from panel_app.access import READ_ONLY, StewardAccess, access_of
from panel_app.views.common import StoreView, card, html, notice

MAX_SHOWN_REFUSALS = 20


def upload_summary(outcome: Any, seconds: float) -> tuple[str, str]:
    """A replay of an uploaded file in a few lines: its counts and the first refused lines with their reasons."""
    head = f"Replay {str(outcome.run_id)[:8]}: {str(outcome.status).lower()} in {seconds:.1f} s"
    if outcome.reason and not outcome.applied:
        return f"{head}. {outcome.reason}", "warning"
    counts = (
        f"applied {outcome.applied}: promoted {outcome.promoted}, still open {outcome.still_open}, "
        f"dismissed {outcome.dismissed}, reopened {outcome.reopened}; refused {len(outcome.refused)}"
    )
    lines = [f"line {r.number} (exception {r.exception_id}): {r.reason}" for r in outcome.refused]
    shown = "; ".join(lines[:MAX_SHOWN_REFUSALS]) + (" …" if len(lines) > MAX_SHOWN_REFUSALS else "")
    suite = "".join(f" Note: {note}." for note in outcome.suite_notes)  # a run loaded with another suite version
    return f"{head}. {counts}.{suite}" + (f" Refused: {shown}" if shown else ""), "warning" if lines else "info"


def template_name(run_id: str | None) -> str:
    """The template's file name: corrections_<first 8 characters of the run id>.csv."""
    return f"corrections_{(run_id or 'none')[:8]}.csv"


class CorrectionsFiles(StoreView):
    """Template download for everyone; upload of a filled template for a signed-in steward."""

    access = param.Parameter(default=READ_ONLY, doc="The session's StewardAccess.")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        store = self.ds
        self.download = pn.widgets.FileDownload(
            callback=self.template,
            filename=pn.bind(template_name, store.param.run_id),
            label="Download corrections template (open exceptions)",
            width=340,
        )
        self.upload = pn.widgets.FileInput(accept=".csv", multiple=False, width=300)
        self.apply = pn.widgets.Button(label="Apply uploaded file", color="primary", width=170)
        self.apply.on_click(lambda _: self.apply_upload())
        self.message = html("", margin=(4, 10))

    @property
    def steward(self) -> StewardAccess:
        """The session's access (read-only unless signed in with a writer)."""
        return access_of(self.access)

    def template(self) -> io.StringIO:
        """The selected run's open exceptions as a corrections template (values as received)."""
        store = self.ds
        frame = store.reader.corrections_template(store.run_id) if store.has_results and store.run_id else None
        buffer = io.StringIO()
        if frame is not None:
            frame.to_csv(buffer, index=False)
        buffer.seek(0)
        return buffer

    def apply_upload(self) -> None:
        """Apply the uploaded corrections file as the signed-in user; say what it did, line by line."""
        from flows.steward import StewardError

        access, content, name = self.steward, self.upload.value, self.upload.filename or "upload.csv"
        if not access.can_write or access.steward is None or access.user is None:
            return
        if not content:
            self.message.object = notice("Choose a filled corrections file first.", "warning")
            return
        started = time.perf_counter()
        try:
            outcome = access.steward.upload(self.ds.dataset or "", access.user, name, bytes(content))
        except StewardError as error:
            self.message.object = notice(f"Nothing was changed: {error}", "danger")
            return
        said, kind = upload_summary(outcome, time.perf_counter() - started)
        self.message.object = notice(said, kind)
        self.ds.results_changed()

    def __panel__(self) -> pn.viewable.Viewable:
        explain = (
            "Fill in action (correct, waive, dismiss or reopen) and a note per line; a blank cell keeps the value"
            " as received. The same file applies from the command line: python -m flows.exceptions apply FILE.csv"
            " --user NAME."
        )
        parts: list[Any] = [html(f'<div class="context">{explain}</div>', margin=(4, 10)), self.download]
        if self.steward.can_write:
            parts += [pn.Row(self.upload, self.apply), self.message]
        return card("Corrections files", *parts)
