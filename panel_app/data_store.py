"""The dashboard's state: the dataset, the run, the comparison run and the filters, and the data they select.

Views read `grain`/`compare_grain` (the filtered grain of both runs, recomputed once per change, not
once per card) and call the cached reader for everything else. Only a COMPLETED run's results are
ever read. Everything dataset-specific (filters, measures, labels) comes from the dataset's spec.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import param

from flows.constants import MISSING
from flows.dataset import SpecError
from flows.storage.read import ExceptionFilter
from panel_app.metrics.quality import CONTROL_COLUMNS, controls_table, rules_frame
from panel_app.metrics.runs import COMPLETED, completed, default_run, previous_completed, run_label, short_label
from panel_app.presentation import NO_DATASET, RECORD_COUNT, Presentation, presentation
from panel_app.reader import DatabaseState, Reader, load_spec

NO_RUN = ""
DRILL_KEYS = ("category", "rule", "value")  # "value": a raw value of the first grain dimension
PREFERRED_DATASET = "sales"


@lru_cache(maxsize=8)
def suite_rules(dataset: str, expectations_dir: Path) -> pd.DataFrame:
    """The controls of the dataset's suite, read from expectations/ once per process."""
    return rules_frame(load_spec(dataset, expectations_dir).suite.rules)


def filter_options(keys: pd.DataFrame, dimensions: tuple[str, ...]) -> dict[str, list[str]]:
    """The values each dimension takes in a grain's keys, sorted; a missing key is offered as MISSING."""
    options = {}
    for dimension in dimensions:
        column = keys[dimension] if dimension in keys else pd.Series(dtype=object)
        values = sorted({str(v) for v in column.dropna()})
        options[dimension] = [*values, MISSING] if column.isna().any() else values
    return options


def default_dataset(names: list[str]) -> str:
    """The dataset shown first: sales when it has runs, else the first by name."""
    return PREFERRED_DATASET if PREFERRED_DATASET in names else sorted(names)[0]


class DataStore(param.Parameterized):
    """Selected dataset, run, comparison run and filters, with the filtered grain of both runs."""

    dataset: param.Selector[str | None] = param.Selector(default=None, objects=[], allow_None=True, label="Dataset")
    run_id: param.Selector[str | None] = param.Selector(default=None, objects=[], allow_None=True, label="Run")
    compare_run_id: param.Selector[str] = param.Selector(default=NO_RUN, objects=[NO_RUN], label="Compare with")
    date_range = param.DateRange(default=None, allow_None=True, label="Dates")
    filters = param.Dict(default={}, doc="Chosen values of each grain dimension: {dimension: [values]} (none = all).")
    options = param.Dict(default={}, precedence=-1, doc="The values each grain dimension takes in the run.")
    search = param.String(default="", label="Search exceptions")
    drill = param.Dict(default={}, doc="Exceptions drill-down picked on a chart: {category|rule|value: key}.")
    page = param.Integer(default=1, bounds=(1, None))

    state = param.ClassSelector(class_=DatabaseState, default=DatabaseState("empty"))
    presentation = param.ClassSelector(class_=Presentation, default=NO_DATASET, precedence=-1)
    runs = param.DataFrame(default=pd.DataFrame(), precedence=-1)
    grain = param.DataFrame(default=pd.DataFrame(), precedence=-1, doc="The selected run's filtered grain.")
    compare_grain = param.DataFrame(default=pd.DataFrame(), precedence=-1, doc="The comparison run's grain.")

    def __init__(self, reader: Reader, expectations_dir: Path = Path("expectations"), **params: Any) -> None:
        super().__init__(**params)
        self.expectations_dir = expectations_dir
        self.reader = reader.for_dataset(reader.dataset, expectations_dir)
        self._loaded: tuple[object, ...] = ()
        self._full_dates: tuple[dt.date, dt.date] | None = None
        self.reload()

    def reload(self) -> None:
        """Re-read the database state, the datasets and the run list; keep the selection when it still exists."""
        self.reader.refresh()
        state = self.reader.state()
        named = self._datasets() if state.kind == "ok" else {}
        if state.kind == "ok" and not named:
            state = DatabaseState("empty", f"no dataset with runs has a spec in {self.expectations_dir}")
        self.param.dataset.objects = named
        names = list(named.values())
        chosen = self.dataset if self.dataset in names else (default_dataset(names) if names else None)
        if chosen:
            self.reader.for_dataset(chosen, self.expectations_dir).refresh()
        if chosen == self.dataset:
            self._dataset_changed()
        else:
            self.dataset = chosen
        self.state = state

    def _datasets(self) -> dict[str, str]:
        """The datasets that have runs and a loadable spec, labelled by their titles."""
        named: dict[str, str] = {}
        for name in self.reader.datasets():
            try:
                title = load_spec(name, self.expectations_dir).title
            except (SpecError, OSError):
                continue  # runs of a dataset whose spec is gone or broken cannot be shown
            named[title if title not in named else f"{title} ({name})"] = name
        return named

    @param.depends("dataset", watch=True)
    def _dataset_changed(self) -> None:
        if self.dataset:
            self.reader = self.reader.for_dataset(self.dataset, self.expectations_dir)
        shown = presentation(self.reader.spec) if self.dataset else NO_DATASET
        if shown != self.presentation:  # a reload of the same dataset leaves the cards as they are
            self.presentation = shown
        runs = self.reader.runs() if self.dataset else pd.DataFrame()
        keep = not runs.empty and self.run_id in set(runs["run_id"])
        chosen = self.run_id if keep else (default_run(runs) if not runs.empty else None)
        # The runs first: a run selector on screen picks one of the new options at once, and that run
        # must be found in `runs` (else its cards would be drawn as "no results" and left so).
        self.runs = runs
        self.param.run_id.objects = {run_label(r): r["run_id"] for _, r in runs.iterrows()}
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
        if not run_id or self.runs.empty:
            return None
        rows = self.runs[self.runs["run_id"] == run_id]
        return None if rows.empty else rows.iloc[0]

    @property
    def has_results(self) -> bool:
        """True when the selected run is COMPLETED (only then are its results shown)."""
        return self.run is not None and self.run["status"] == COMPLETED

    @property
    def rules(self) -> pd.DataFrame:
        """The controls of the dataset's suite."""
        return suite_rules(self.dataset, self.expectations_dir) if self.dataset else rules_frame(())

    def controls(self, run_id: str | None) -> pd.DataFrame:
        """Every control of the suite for a COMPLETED run: checked, failed, pass rate, change and trend."""
        if not run_id or self._row(run_id) is None or self._row(run_id)["status"] != COMPLETED:  # type: ignore[index]
            return pd.DataFrame(columns=list(CONTROL_COLUMNS))  # the same columns: the table keeps its layout
        return controls_table(self.rules, self.reader.rule_failures(), self.runs, run_id)

    def history_labels(self) -> pd.DataFrame:
        """The COMPLETED runs, oldest first, with their short chart labels."""
        done = completed(self.runs) if not self.runs.empty else pd.DataFrame(columns=["run_id", "started_at"])
        labels = [short_label(r) for _, r in done.iterrows()]
        return pd.DataFrame({"run_id": done["run_id"], "label": labels, "started_at": done["started_at"]})

    def sidebar_filter(self) -> ExceptionFilter:
        """The sidebar's dimension filters as an exceptions filter (on the values as received)."""
        chosen = tuple((d, tuple(self.filters[d])) for d in self.presentation.dimensions if self.filters.get(d))
        return ExceptionFilter(values=chosen, missing_values=self.presentation.missing_values)

    def exception_filter(self) -> ExceptionFilter:
        """The sidebar filters, the chart drill-down and the search, as one query filter."""
        sidebar, drill, dimensions = self.sidebar_filter(), self.drill, self.presentation.dimensions
        value = (dimensions[0], str(drill["value"])) if "value" in drill and dimensions else None
        return ExceptionFilter(
            values=sidebar.values,
            missing_values=sidebar.missing_values,
            category=drill.get("category"),
            rule=drill.get("rule"),
            value=value,
            search=self.search,
        )

    @param.depends("run_id", watch=True)
    def _run_changed(self) -> None:
        runs, run_id, p = self.runs, self.run_id, self.presentation
        done = runs[runs["status"] == COMPLETED] if not runs.empty else runs
        others = {run_label(r): r["run_id"] for _, r in done.iterrows() if r["run_id"] != run_id}
        self.param.compare_run_id.objects = {"(no comparison)": NO_RUN, **others}
        keys = self.reader.dimensions(run_id) if self.has_results and run_id else pd.DataFrame()
        options = filter_options(keys, p.dimensions)
        dates = sorted(keys[p.date].dropna()) if p.date in keys else []
        self._full_dates = (dt.date.fromisoformat(dates[0]), dt.date.fromisoformat(dates[-1])) if dates else None
        compare = self.compare_run_id if self.compare_run_id in others.values() else None
        if compare is None and run_id and not runs.empty:
            compare = previous_completed(runs, run_id)
        kept = {d: [v for v in self.filters.get(d, []) if v in options[d]] for d in p.dimensions}
        self.param.update(
            options=options,
            filters={d: values for d, values in kept.items() if values},
            date_range=self._full_dates,
            compare_run_id=compare or NO_RUN,
            drill={},
            search="",
            page=1,
        )
        self._load()

    @param.depends("compare_run_id", "date_range", "filters", watch=True)
    def _load(self) -> None:
        filters = tuple((d, tuple(v)) for d, v in sorted(self.filters.items()))
        key = (self.dataset, self.run_id, self.compare_run_id, self.date_range, filters)
        if key != self._loaded:  # a run change sets several filters at once: load once
            self._loaded = key
            run_id = self.run_id if self.has_results else None
            self.param.update(grain=self._read_grain(run_id), compare_grain=self._read_grain(self.compare_run_id))

    def _read_grain(self, run_id: str | None) -> pd.DataFrame:
        p = self.presentation
        if not run_id:
            return pd.DataFrame(columns=[p.date, *p.dimensions, *(m.name for m in p.measures), RECORD_COUNT])
        return self.reader.grain(run_id, self.date_range, *(self.filters.get(d, ()) for d in p.dimensions))

    @param.depends("search", "drill", "filters", watch=True)
    def _first_page(self) -> None:
        self.page = 1
