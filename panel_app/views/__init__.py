"""One `pn.viewable.Viewer` per card, grouped by tab; each reads the DataStore and draws with `charts`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flows.settings import Settings
from panel_app.access import READ_ONLY, StewardAccess
from panel_app.data_store import DataStore
from panel_app.views import (
    alerts,
    analytics,
    audit,
    controls,
    corrections,
    exceptions,
    history,
    ledger,
    quality,
    stewardship,
)
from panel_app.views.common import StoreView


def card_factories(
    store: DataStore,
    settings: Settings,
    access: StewardAccess = READ_ONLY,
    show_tab: Callable[[str], Any] | None = None,
) -> dict[str, Callable[[], StoreView]]:
    """How to build every card of the dashboard, by name: steward controls only where `access` allows;
    `show_tab(title)` opens a tab (links between cards)."""
    s, run_links = store, {"docs_dir": settings.docs_dir, "prefect_ui_url": settings.prefect_ui_url}

    def show_events() -> None:
        """The Exceptions tab, listing the promoted rows (each one's history is a click away)."""
        s.status = "promoted"
        if show_tab is not None:
            show_tab("Exceptions")

    return {
        "scope": lambda: ledger.ScopeSwitch(store=s),
        "periods": lambda: ledger.PeriodTotals(store=s),
        "file_changes": lambda: ledger.FileChanges(store=s),
        "kpis": lambda: analytics.AnalyticsKpis(store=s, show_events=show_events if show_tab else None),
        "trend": lambda: analytics.MeasureTrend(store=s),
        "breakdown_1": lambda: analytics.MeasureBreakdown(store=s, position=0),
        "breakdown_2": lambda: analytics.MeasureBreakdown(store=s, position=1),
        "heatmap": lambda: analytics.DimensionHeatmap(store=s),
        "across_runs": lambda: analytics.TotalsAcrossRuns(store=s),
        "comparison": lambda: analytics.RunComparison(store=s),
        "quality": lambda: quality.QualityKpis(store=s),
        "split": lambda: quality.CleanSplit(store=s),
        "pass_rates": lambda: quality.PassRates(store=s),
        "quality_trend": lambda: quality.QualityTrend(store=s),
        "alerts": lambda: alerts.AlertList(store=s),
        "resolved_per_run": lambda: stewardship.ResolutionsPerRun(store=s),
        "resolutions_over_time": lambda: stewardship.ResolutionsOverTime(store=s),
        "by_category": lambda: exceptions.ExceptionBreakdown(store=s, dimension="category"),
        "by_rule": lambda: exceptions.ExceptionBreakdown(store=s, dimension="rule"),
        "by_raw_value": lambda: exceptions.ExceptionBreakdown(store=s, dimension="value"),
        "exception_rows": lambda: exceptions.ExceptionTable(store=s),
        "exception_comparison": lambda: exceptions.ExceptionComparison(store=s),
        "exception_history": lambda: history.ExceptionHistory(store=s, access=access),
        "corrections_files": lambda: corrections.CorrectionsFiles(store=s, access=access),
        "run_details": lambda: audit.RunDetails(store=s, **run_links),
        "stages": lambda: audit.StageTimeline(store=s),
        "stage_events": lambda: audit.StageEvents(store=s),
        "history": lambda: audit.RunHistory(store=s),
        "controls": lambda: controls.ControlsTable(store=s),
        "failure_trend": lambda: controls.FailureTrend(store=s),
        "reconciliation": lambda: controls.Reconciliation(store=s),
    }


class Cards(dict[str, StoreView]):
    """The cards by name, each built the first time it is asked for."""

    def __init__(self, factories: dict[str, Callable[[], StoreView]]) -> None:
        super().__init__()
        self.factories = factories

    def __missing__(self, name: str) -> StoreView:
        self[name] = self.factories[name]()
        return self[name]
