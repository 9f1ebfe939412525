"""The DataStore's choices as pure functions: which dataset and comparison run, filter options, query filters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import pandas as pd

from flows.constants import MISSING, RECORD_COUNT
from flows.dataset import SpecError
from flows.storage.read import ExceptionFilter
from panel_app.metrics.runs import COMPLETED, previous_completed, run_labels
from panel_app.ports import DashboardReader
from panel_app.presentation import Presentation

NO_RUN = ""
ALL_DATA, THIS_FILE = "All loaded data", "This file"  # the Analytics scope: the whole ledger, or the run's file
SCOPES = (ALL_DATA, THIS_FILE)


def first_dataset(names: Sequence[str], preferred: str | None) -> str | None:
    """The dataset shown first: the preferred one when it has runs, else the first by name (None: no dataset)."""
    if preferred in names:
        return preferred
    return sorted(names)[0] if names else None


def compare_choices(runs: pd.DataFrame, run_id: str | None) -> dict[str, str]:
    """The comparison selector's options: no comparison, then every other COMPLETED run by label."""
    done = runs[runs["status"] == COMPLETED] if not runs.empty else runs
    ids: list[str] = done["run_id"].astype(str).tolist() if not done.empty else []
    others = {label: i for label, i in zip(run_labels(done), ids, strict=True) if i != run_id}
    return {"(no comparison)": NO_RUN, **others}


def compare_run(runs: pd.DataFrame, run_id: str | None, current: str, offered: Mapping[str, str]) -> str:
    """The comparison run to keep (the current one while it is offered), else the COMPLETED run before this one."""
    if current and current in offered.values():
        return current
    if run_id and not runs.empty:
        return previous_completed(runs, run_id) or NO_RUN
    return NO_RUN


def default_scope(runs: pd.DataFrame) -> str:
    """All loaded data once the dataset has more than one COMPLETED run; with one (or none), this file."""
    done = 0 if runs.empty else int((runs["status"] == COMPLETED).sum())
    return ALL_DATA if done > 1 else THIS_FILE


def scoped_keys(reader: DashboardReader, scope: str, run_id: str | None) -> pd.DataFrame:
    """The grain's key combinations in the scope: the ledger's, the run's (a COMPLETED `run_id`) or none."""
    if scope == ALL_DATA:
        return reader.ledger_dimensions()
    return reader.dimensions(run_id) if run_id else pd.DataFrame()


def ledger_state(runs: pd.DataFrame) -> tuple[tuple[object, ...], ...]:
    """What the current ledger depends on: every run's status and revision (a completion or promotion moves it)."""
    if runs.empty:
        return ()
    return tuple(runs.reindex(columns=["run_id", "status", "revision"]).itertuples(index=False, name=None))


def filter_options(keys: pd.DataFrame, dimensions: Sequence[str]) -> dict[str, list[str]]:
    """The values each dimension takes in a grain's keys, sorted; a missing key is offered as MISSING."""
    options = {}
    for dimension in dimensions:
        column = keys[dimension] if dimension in keys else pd.Series(dtype=object)
        values = sorted({str(v) for v in column.dropna()})
        options[dimension] = [*values, MISSING] if column.isna().any() else values
    return options


def date_bounds(keys: pd.DataFrame, date: str) -> tuple[dt.date, dt.date] | None:
    """The first and last date of a grain's keys (None when it has none)."""
    dates = sorted(keys[date].dropna()) if date in keys else []
    return (dt.date.fromisoformat(str(dates[0])), dt.date.fromisoformat(str(dates[-1]))) if dates else None


def kept_filters(filters: Mapping[str, Sequence[str]], options: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """The chosen values that the options still offer (a dimension left with none is dropped)."""
    kept = {d: [v for v in filters.get(d, []) if v in offered] for d, offered in options.items()}
    return {d: values for d, values in kept.items() if values}


def empty_grain(p: Presentation) -> pd.DataFrame:
    """A grain frame without rows, with the dataset's columns."""
    return pd.DataFrame(columns=[p.date, *p.dimensions, *(m.name for m in p.measures), RECORD_COUNT])


def sidebar_filter(p: Presentation, filters: Mapping[str, Sequence[str]]) -> ExceptionFilter:
    """The sidebar's dimension filters as an exceptions filter (on the values as received)."""
    chosen = tuple((d, tuple(filters[d])) for d in p.dimensions if filters.get(d))
    return ExceptionFilter(values=chosen, missing_values=p.missing_values)


def exception_filter(
    p: Presentation,
    filters: Mapping[str, Sequence[str]],
    drill: Mapping[str, str],
    search: str,
    status: str | None = None,
) -> ExceptionFilter:
    """The sidebar filters, the chart drill-down, the search and an exception status, as one query filter."""
    sidebar = sidebar_filter(p, filters)
    value = (p.dimensions[0], str(drill["value"])) if "value" in drill and p.dimensions else None
    return ExceptionFilter(
        values=sidebar.values,
        missing_values=sidebar.missing_values,
        category=drill.get("category"),
        rule=drill.get("rule"),
        value=value,
        search=search,
        status=status,
    )


def named_datasets(reader: DashboardReader) -> dict[str, str]:
    """The datasets that have runs and a loadable spec, labelled by their titles."""
    named: dict[str, str] = {}
    for name in reader.datasets():
        try:
            title = reader.for_dataset(name).spec.title
        except (SpecError, OSError):
            continue  # runs of a dataset whose spec is gone or broken cannot be shown
        named[title if title not in named else f"{title} ({name})"] = name
    return named
