"""The Exceptions tab's part of the dashboard's state: search, chart drill-down, status, page and the exception
shown in full, and the query filter they make with the sidebar's dimension filters (a base of the DataStore)."""

from __future__ import annotations

import param

from flows.constants import ExceptionStatus
from flows.storage.read import ExceptionFilter
from panel_app import selection
from panel_app.presentation import Presentation

DRILL_KEYS = ("category", "rule", "value")  # "value": a raw value of the first grain dimension
ALL_STATUSES = "all"
STATUS_CHOICES = [ALL_STATUSES, *(s.lower() for s in ExceptionStatus)]  # the exceptions table's status filter


class ExceptionState(param.Parameterized):
    """Which exceptions are listed (search, drill-down, status, page) and which one is shown in full."""

    search = param.String(default="", label="Search exceptions")
    drill = param.Dict(default={}, doc="Exceptions drill-down picked on a chart: {category|rule|value: key}.")
    page = param.Integer(default=1, bounds=(1, None))
    status: param.Selector[str] = param.Selector(default=ALL_STATUSES, objects=STATUS_CHOICES, label="Status")
    picked = param.Integer(default=None, allow_None=True, label="Exception id", doc="The exception shown in full.")

    presentation: Presentation
    filters: dict[str, list[str]]

    def sidebar_filter(self) -> ExceptionFilter:
        """The sidebar's dimension filters as an exceptions filter (on the values as received)."""
        return selection.sidebar_filter(self.presentation, self.filters)

    def exception_filter(self) -> ExceptionFilter:
        """The sidebar filters, the chart drill-down, the search and the status, as one query filter."""
        status = None if self.status == ALL_STATUSES else self.status.upper()
        return selection.exception_filter(self.presentation, self.filters, self.drill, self.search, status)
