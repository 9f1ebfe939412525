"""The run selector at hundreds of runs: a month, then one of its runs; or a search by date or file name.

The DataStore's `run_id` stays the one truth (the `?run=` link sets it, the URL follows it): the picker only
shows its month and that month's runs, and sets it when a run is picked or found.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import panel as pn
import param

from panel_app.metrics.runs import month_choices, run_labels, run_months
from panel_app.views.common import StoreView

WIDE: dict[str, Any] = {"sizing_mode": "stretch_width"}


class RunPicker(StoreView):
    """Month and run selectors (a month lists its runs, newest first) and a run search (any part of a run's
    label: its start date and time, file name, status or id; case ignored)."""

    month: param.Selector[str | None] = param.Selector(default=None, objects=[], allow_None=True, label="Month")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._syncing = False
        self._labels: dict[str, str] = {}  # label -> run_id, every run
        self._table = pd.DataFrame(columns=["label", "run_id", "month"])  # every run, newest first
        self.months = pn.widgets.Select.from_param(self.param.month, **WIDE)
        self.runs = pn.widgets.Select(label="Run", options={}, **WIDE)
        self.search = pn.widgets.AutocompleteInput(
            label="Find a run",
            placeholder="a date (2026-03-14) or a file name",
            options=[],
            search_strategy="includes",
            case_sensitive=False,
            min_characters=2,
            restrict=True,
            **WIDE,
        )
        self.ds.param.watch(lambda _: self._runs_changed(), "runs")
        self.ds.param.watch(lambda _: self._show(), "run_id")
        self.param.watch(lambda _: self._month_picked(), "month")
        self.runs.param.watch(lambda e: self._pick(e.new), "value")
        self.search.param.watch(lambda e: self._pick(self._labels.get(e.new)), "value")
        self._runs_changed()

    def _runs_changed(self) -> None:
        runs = self.ds.runs
        if not runs.empty:
            labels, ids, months = run_labels(runs), runs["run_id"].astype(str), run_months(runs)
            self._table = pd.DataFrame({"label": labels, "run_id": ids.to_numpy(), "month": months.to_numpy()})
        else:
            self._table = self._table.iloc[0:0]
        self._labels = dict(zip(self._table["label"], self._table["run_id"], strict=True))
        self.search.options = list(self._labels)
        self._syncing = True
        try:
            self.param.month.objects = month_choices(runs)
        finally:
            self._syncing = False
        self._show()

    def _show(self) -> None:
        """Show the selected run's month and that month's runs, the selected one chosen."""
        run_id = self.ds.run_id
        months = self._table.loc[self._table["run_id"] == run_id, "month"]
        month = months.iloc[0] if len(months) else None
        if month is None:  # the run list and the selection change one after the other: wait for both
            return
        self._syncing = True
        try:
            self.month = month
            self.runs.param.update(options=self._month_runs(month), value=run_id)
        finally:
            self._syncing = False

    def _month_runs(self, month: str) -> dict[str, str]:
        mine = self._table[self._table["month"] == month]
        return dict(zip(mine["label"], mine["run_id"], strict=True))

    def _month_picked(self) -> None:
        """A month picked by hand opens its newest run."""
        if self._syncing or self.month is None:
            return
        runs = self._month_runs(self.month)
        if runs and self.ds.run_id not in runs.values():
            self._pick(next(iter(runs.values())))

    def _pick(self, run_id: str | None) -> None:
        if not self._syncing and run_id and run_id != self.ds.run_id:
            self.ds.run_id = run_id

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(self.search, self.months, self.runs, margin=0, **WIDE)
