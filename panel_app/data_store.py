"""The dashboard's state: the dataset, the run, the comparison run and the filters, and the data they select.

Views read `grain`/`compare_grain` (the filtered grain in the Analytics `scope`, whole ledger or the run's file,
and the comparison run's; recomputed once per change) and call the reader for everything else, only ever for
COMPLETED runs. The spec (from the reader) says everything dataset-specific; pure choices are in `selection`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import param

from panel_app import selection
from panel_app.exception_state import ExceptionState
from panel_app.metrics.quality import CONTROL_COLUMNS, controls_table, rules_frame
from panel_app.metrics.runs import COMPLETED, RunRows, default_run, run_labels
from panel_app.ports import DashboardReader, DatabaseState
from panel_app.presentation import NO_DATASET, Presentation, presentation
from panel_app.selection import ALL_DATA, NO_RUN, SCOPES, THIS_FILE


class DataStore(ExceptionState):
    """Selected dataset, run, comparison run and filters, with the filtered grain of both runs."""

    dataset: param.Selector[str | None] = param.Selector(default=None, objects=[], allow_None=True, label="Dataset")
    run_id: param.Selector[str | None] = param.Selector(default=None, objects=[], allow_None=True, label="Run")
    compare_run_id: param.Selector[str] = param.Selector(default=NO_RUN, objects=[NO_RUN], label="Compare with")
    date_range = param.DateRange(default=None, allow_None=True, label="Dates")
    filters = param.Dict(default={}, doc="Chosen values of each grain dimension: {dimension: [values]} (none = all).")
    options = param.Dict(default={}, precedence=-1, doc="The values each grain dimension takes in the run.")
    scope: param.Selector[str] = param.Selector(default=THIS_FILE, objects=list(SCOPES), label="Analytics scope")
    revision = param.Integer(default=0, precedence=-1, doc="Bumped when stewards changed the results shown.")

    state = param.ClassSelector(class_=DatabaseState, default=DatabaseState("empty"))
    presentation = param.ClassSelector(class_=Presentation, default=NO_DATASET, precedence=-1)
    runs = param.DataFrame(default=pd.DataFrame(), precedence=-1)
    grain = param.DataFrame(default=pd.DataFrame(), precedence=-1, doc="The selected run's filtered grain.")
    compare_grain = param.DataFrame(default=pd.DataFrame(), precedence=-1, doc="The comparison run's grain.")

    def __init__(
        self,
        reader: DashboardReader,
        expectations_dir: Path | None = None,
        default_dataset: str | None = None,
        **params: Any,
    ) -> None:
        """Read through `reader` (rebound to `expectations_dir` if given); open on `dataset`, else `default_dataset`
        (Settings.default_dataset in the app; by default the reader's own dataset)."""
        super().__init__(**params)
        self.reader = reader if expectations_dir is None else reader.for_dataset(reader.dataset, expectations_dir)
        self.default_dataset = default_dataset or reader.dataset
        self._loaded: tuple[object, ...] = ()
        self._full_dates: tuple[dt.date, dt.date] | None = None
        self._rules = rules_frame(())
        self._rows = RunRows(pd.DataFrame())
        self._default_scope = "scope" not in params  # a scope given at creation stays; else each dataset's default
        self._scoped: str | None = None  # the dataset whose default scope was chosen (once: then it is the user's)
        self.reload()

    def reload(self) -> None:
        """Re-read the database state, the datasets and the run list; keep the selection when it still exists."""
        self.reader.refresh()
        before = self._revisions()
        state = self.reader.state()
        named = selection.named_datasets(self.reader) if state.kind == "ok" else {}
        if state.kind == "ok" and not named:
            state = DatabaseState("empty", f"no dataset with runs has a spec in {self.reader.expectations_dir}")
        self.param.dataset.objects = named
        names = list(named.values())
        chosen = self.dataset if self.dataset in names else selection.first_dataset(names, self.default_dataset)
        if chosen:
            self.reader.for_dataset(chosen).refresh()
        if chosen == self.dataset:
            self._dataset_changed()
        else:
            self.dataset = chosen
        self.state = state
        if self._revisions() != before:  # stewards changed what the cards show (a replay from anywhere)
            self.revision += 1

    @param.depends("dataset", watch=True)
    def _dataset_changed(self) -> None:
        if self.dataset:
            self.reader = self.reader.for_dataset(self.dataset)
        shown = presentation(self.reader.spec) if self.dataset else NO_DATASET
        if shown != self.presentation:  # a reload of the same dataset leaves the cards as they are
            self.presentation = shown
        self._rules = rules_frame(self.reader.spec.suite.rules if self.dataset else ())
        runs = self.reader.runs() if self.dataset else pd.DataFrame()
        keep = not runs.empty and self.run_id in set(runs["run_id"])
        chosen = self.run_id if keep else (default_run(runs) if not runs.empty else None)
        # The runs first: a run selector on screen picks one of the new options at once, and that run
        # must be found in `runs` (else its cards would be drawn as "no results" and left so).
        self._rows = RunRows(runs)  # every card asks for its run's row
        self.runs = runs
        self.param.run_id.objects = dict(zip(run_labels(runs), runs["run_id"] if not runs.empty else [], strict=True))
        if self._default_scope and self.dataset != self._scoped:  # the run change below reads and loads once
            self.scope = selection.default_scope(runs)
            self._scoped = self.dataset
        if chosen == self.run_id:
            self._run_changed()
        else:
            self.run_id = chosen

    def set_filter(self, dimension: str, values: list[str]) -> None:
        """Choose the values of one grain dimension (an empty list means all)."""
        others = {k: v for k, v in self.filters.items() if k != dimension}
        self.filters = {**others, dimension: list(values)} if values else others

    def reset_filters(self) -> None:
        """All dates of the run, every dimension value, no drill-down or search."""
        self.param.update(date_range=self._full_dates, filters={}, drill={}, search="")

    @property
    def run(self) -> pd.Series | None:
        """The selected run's row, or None."""
        return self._row(self.run_id)

    @property
    def compare_run(self) -> pd.Series | None:
        """The comparison run's row, or None."""
        return self._row(self.compare_run_id)

    def _row(self, run_id: str | None) -> pd.Series | None:
        return self._rows.get(run_id) if run_id else None

    @property
    def has_results(self) -> bool:
        """True when the selected run is COMPLETED (only then are its results shown)."""
        return self.run is not None and self.run["status"] == COMPLETED

    @property
    def rules(self) -> pd.DataFrame:
        """The controls of the dataset's suite."""
        return self._rules

    def controls(self, run_id: str | None) -> pd.DataFrame:
        """Every control of the suite for a COMPLETED run: checked, failed, pass rate, change and trend."""
        row = self._row(run_id)
        if not run_id or row is None or row["status"] != COMPLETED:
            return pd.DataFrame(columns=list(CONTROL_COLUMNS))  # the same columns: the table keeps its layout
        return controls_table(self.rules, self.reader.rule_failures(), self.runs, run_id)

    def results_changed(self) -> None:
        """Re-read after a steward action, keeping the selection: the run list (revisions, clean counts), results."""
        self.reader.refresh()
        runs = self.reader.runs() if self.dataset else pd.DataFrame()
        self._rows = RunRows(runs)
        self.runs = runs
        was_full, options = self.date_range == self._full_dates, self._read_bounds()
        self.param.update(options=options, **({"date_range": self._full_dates} if was_full else {}))
        self._load()
        self.revision += 1

    def _read_bounds(self) -> dict[str, list[str]]:
        """The selected run's dimension values (returned) and date bounds (kept), which promotions can widen."""
        keys = selection.scoped_keys(self.reader, self.scope, self.run_id if self.has_results else None)
        self._full_dates = selection.date_bounds(keys, self.presentation.date)
        return selection.filter_options(keys, self.presentation.dimensions)

    def _revisions(self) -> tuple[object, ...]:
        """The selected and comparison runs' revisions: they move when stewards change those runs' results."""
        return tuple(
            None if (r := self._row(i)) is None else r.get("revision") for i in (self.run_id, self.compare_run_id)
        )

    @param.depends("run_id", watch=True)
    def _run_changed(self) -> None:
        offered = selection.compare_choices(self.runs, self.run_id)
        self.param.compare_run_id.objects = offered
        options = self._read_bounds()
        self.param.update(
            options=options,
            filters=selection.kept_filters(self.filters, options),
            date_range=self._full_dates,
            compare_run_id=selection.compare_run(self.runs, self.run_id, self.compare_run_id, offered),
            drill={},
            search="",
            page=1,
            picked=None,
        )
        self._load()

    @param.depends("compare_run_id", "date_range", "filters", watch=True)
    def _load(self) -> None:
        filters = tuple((d, tuple(v)) for d, v in sorted(self.filters.items()))
        ledger = selection.ledger_state(self.runs) if self.scope == ALL_DATA else ()  # moves with any run's results
        key: tuple[object, ...] = (self.dataset, self.run_id, self.scope, self.compare_run_id, self.date_range)
        key += (filters, ledger, self._revisions())
        if key != self._loaded:  # a run change sets several filters at once: load once
            self._loaded = key
            run_id = self.run_id if self.has_results else None
            mine = self._chosen(self.reader.ledger_grain) if self.scope == ALL_DATA else self.file_grain(run_id)
            self.param.update(grain=mine, compare_grain=self.file_grain(self.compare_run_id))

    def file_grain(self, run_id: str | None) -> pd.DataFrame:
        """A run's own grain under the date range and filters (whatever the scope; the reader caches it)."""
        return self._chosen(partial(self.reader.grain, run_id)) if run_id else selection.empty_grain(self.presentation)

    def _chosen(self, read: Callable[..., pd.DataFrame]) -> pd.DataFrame:
        return read(self.date_range, *(self.filters.get(d, ()) for d in self.presentation.dimensions))

    @param.depends("scope", watch=True)
    def _scope_changed(self) -> None:
        if self._default_scope and self._scoped != self.dataset:
            return  # a dataset change chose this scope: its run change reads the bounds and loads
        options = self._read_bounds()
        filters = selection.kept_filters(self.filters, options)
        self.param.update(options=options, filters=filters, date_range=self._full_dates)
        self._load()

    @param.depends("search", "drill", "filters", "status", watch=True)
    def _first_page(self) -> None:
        self.page = 1
