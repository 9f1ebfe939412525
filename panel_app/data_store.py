"""The dashboard's state: the run, the comparison run and the filters, and the data they select.

Views read `sales`/`compare_sales` (recomputed once per change, not once per card) and call the
cached reader for everything else. Only a COMPLETED run's results are ever read.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

import pandas as pd
import param

from flows.dataset import load_dataset
from flows.storage.queries import ExceptionFilter
from panel_app.metrics.quality import controls_table, rules_frame
from panel_app.metrics.runs import COMPLETED, completed, default_run, previous_completed, run_label, short_label
from panel_app.reader import DatabaseState, Reader

NO_RUN = ""
DRILL_KEYS = ("category", "rule", "region")


@lru_cache(maxsize=4)
def suite_rules(dataset: str, expectations_dir: Path) -> pd.DataFrame:
    """The controls of the dataset's suite, read from expectations/ once per process."""
    return rules_frame(load_dataset(dataset, expectations_dir).suite.rules)


class DataStore(param.Parameterized):
    """Selected run, comparison run and filters, with the filtered sales grain of both runs."""

    dataset = param.String(default="sales", constant=True, doc="The dataset shown (only sales for now).")
    run_id: param.Selector[str | None] = param.Selector(default=None, objects=[], allow_None=True, label="Run")
    compare_run_id: param.Selector[str] = param.Selector(default=NO_RUN, objects=[NO_RUN], label="Compare with")
    date_range = param.DateRange(default=None, allow_None=True, label="Order dates")
    regions = param.ListSelector(default=[], objects=[], label="Regions (none = all)")
    products = param.ListSelector(default=[], objects=[], label="Products (none = all)")
    search = param.String(default="", label="Search exceptions")
    drill = param.Dict(default={}, doc="Exceptions drill-down picked on a chart: {category|rule|region: value}.")
    page = param.Integer(default=1, bounds=(1, None))

    state = param.ClassSelector(class_=DatabaseState, default=DatabaseState("empty"))
    runs = param.DataFrame(default=pd.DataFrame(), precedence=-1)
    sales = param.DataFrame(default=pd.DataFrame(), precedence=-1)
    compare_sales = param.DataFrame(default=pd.DataFrame(), precedence=-1)

    def __init__(self, reader: Reader, expectations_dir: Path = Path("expectations"), **params: object) -> None:
        super().__init__(**params)
        self.reader, self.expectations_dir = reader, expectations_dir
        self._loaded: tuple[object, ...] = ()
        self._full_dates: tuple[dt.date, dt.date] | None = None
        self.reload()

    def reload(self) -> None:
        """Re-read the database state and the run list; keep the selected run when it still exists."""
        self.reader.refresh()
        state = self.reader.state()
        runs = self.reader.runs() if state.kind == "ok" else pd.DataFrame()
        self.param.run_id.objects = {run_label(r): r["run_id"] for _, r in runs.iterrows()}
        self.param.update(state=state, runs=runs)
        keep = not runs.empty and self.run_id in set(runs["run_id"])
        chosen = self.run_id if keep else (default_run(runs) if not runs.empty else None)
        if chosen == self.run_id:
            self._run_changed()
        else:
            self.run_id = chosen

    def reset_filters(self) -> None:
        """All order dates of the run, every region and product, no drill-down or search."""
        self.param.update(date_range=self._full_dates, regions=[], products=[], drill={}, search="")

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
        """The suite's controls."""
        return suite_rules(self.dataset, self.expectations_dir)

    def controls(self, run_id: str | None) -> pd.DataFrame:
        """Every control of the suite for a COMPLETED run: checked, failed, pass rate, change and trend."""
        if not run_id or self._row(run_id) is None or self._row(run_id)["status"] != COMPLETED:  # type: ignore[index]
            return pd.DataFrame()
        return controls_table(self.rules, self.reader.rule_failures(), self.runs, run_id)

    def history_labels(self) -> pd.DataFrame:
        """The COMPLETED runs, oldest first, with their short chart labels."""
        done = completed(self.runs) if not self.runs.empty else pd.DataFrame(columns=["run_id", "started_at"])
        labels = [short_label(r) for _, r in done.iterrows()]
        return pd.DataFrame({"run_id": done["run_id"], "label": labels, "started_at": done["started_at"]})

    def exception_filter(self) -> ExceptionFilter:
        """The sidebar filters, the chart drill-down and the search, as one query filter."""
        return ExceptionFilter(
            regions=tuple(self.regions),
            products=tuple(self.products),
            search=self.search,
            **{key: self.drill.get(key) for key in DRILL_KEYS},
        )

    @param.depends("run_id", watch=True)
    def _run_changed(self) -> None:
        runs, run_id = self.runs, self.run_id
        done = runs[runs["status"] == COMPLETED] if not runs.empty else runs
        others = {run_label(r): r["run_id"] for _, r in done.iterrows() if r["run_id"] != run_id}
        self.param.compare_run_id.objects = {"(no comparison)": NO_RUN, **others}
        dims = (
            self.reader.dimensions(run_id)
            if self.has_results and run_id
            else pd.DataFrame(columns=["breakdown", "key"])
        )
        options = {
            b: sorted(dims.loc[dims["breakdown"] == b, "key"].dropna()) for b in ("region", "product", "order_date")
        }
        self.param.regions.objects, self.param.products.objects = options["region"], options["product"]
        dates = options["order_date"]
        self._full_dates = (dt.date.fromisoformat(dates[0]), dt.date.fromisoformat(dates[-1])) if dates else None
        compare = self.compare_run_id if self.compare_run_id in others.values() else None
        if compare is None and run_id and not runs.empty:
            compare = previous_completed(runs, run_id)
        self.param.update(
            regions=[r for r in self.regions if r in options["region"]],
            products=[p for p in self.products if p in options["product"]],
            date_range=self._full_dates,
            compare_run_id=compare or NO_RUN,
            drill={},
            search="",
            page=1,
        )
        self._load()

    @param.depends("compare_run_id", "date_range", "regions", "products", watch=True)
    def _load(self) -> None:
        key = (self.run_id, self.compare_run_id, self.date_range, tuple(self.regions), tuple(self.products))
        if key != self._loaded:  # a run change sets several filters at once: load once
            self._loaded = key
            run_id = self.run_id if self.has_results else None
            self.param.update(sales=self._grain(run_id), compare_sales=self._grain(self.compare_run_id))

    def _grain(self, run_id: str | None) -> pd.DataFrame:
        if not run_id:
            return pd.DataFrame(columns=["order_date", "region", "product", "revenue", "quantity", "record_count"])
        return self.reader.grain(run_id, self.date_range, tuple(self.regions), tuple(self.products))

    @param.depends("search", "drill", "regions", "products", watch=True)
    def _first_page(self) -> None:
        self.page = 1
