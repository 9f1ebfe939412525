"""The dashboard: dataset, run, comparison and filters in the sidebar, the run's status, and five tabs.

    make dashboard   # panel serve panel_app/app.py ... --static-dirs docs=data/docs
    http://127.0.0.1:5006/app?dataset=dirty_cafe_sales   # opens on another dataset

Reads DASHBOARD_DATABASE_URL if set, else DATABASE_URL (flows.settings), through the storage layer.
Every dataset with runs and a spec in EXPECTATIONS_DIR can be picked; its spec names the filters and measures.
DEFAULT_DATASET (flows.settings) is shown first when it has runs, else the first dataset by name.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

if not __package__:  # run as a script by `panel serve panel_app/app.py`: make the repo's packages importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import panel as pn
import param

from flows.settings import Settings, get_settings
from panel_app.access import READ_ONLY, StewardAccess, signed_in_user
from panel_app.data_store import DataStore
from panel_app.formatting import text
from panel_app.presentation import Presentation, field_label
from panel_app.reader import shared_reader
from panel_app.views import Cards, alerts, card_factories, status
from panel_app.views.common import StoreView, html
from panel_app.views.filters import DimensionFilters
from panel_app.views.run_picker import RunPicker

TITLE = "Data quality"
# Each tab: its title, what the filters mean there ({dated}: the date and dimension filters' names, {dimensions}:
# the dimensions', {headline}: the headline measure, all from the dataset's spec), then its rows of cards (by name).
TABS: tuple[tuple[str, str, tuple[tuple[str, ...], ...]], ...] = (
    (
        "Analytics",
        "Clean records only, of all loaded data or of this file. The {dated} filters apply (except to {headline} per"
        " run and to what this file changed).",
        (
            ("scope",),
            ("kpis",),
            ("trend",),
            ("breakdown_1", "breakdown_2"),
            ("heatmap", "across_runs"),
            ("periods", "file_changes"),
            ("comparison",),
        ),
    ),
    (
        "Data Quality",
        "Per file: the filters do not apply to quality figures.",
        (
            ("quality",),
            ("split", "pass_rates"),
            ("quality_trend",),
            ("alerts",),
            ("resolved_per_run",),
            ("resolutions_over_time",),
        ),
    ),
    (
        "Exceptions",
        "The {dimensions} filters apply to the values as received; dates do not (a bad date is often the defect)."
        " Click a bar to list its rows, a row to see it in full.",
        (
            ("by_category", "by_rule", "by_raw_value"),
            ("exception_rows",),
            ("exception_history",),
            ("corrections_files",),
            ("exception_comparison",),
        ),
    ),
    (
        "Audit Trail",
        "Every run, whatever its status. Times in UTC.",
        (("run_details", "stages"), ("stage_events",), ("history",)),
    ),
    (
        "Controls Summary",
        "Per file: every control of the suite for the selected run, and across runs.",
        (("controls",), ("failure_trend",), ("reconciliation",)),
    ),
)


def database_url(settings: Settings) -> str:
    """DASHBOARD_DATABASE_URL when set, else the pipeline's DATABASE_URL."""
    return (settings.dashboard_database_url or settings.database_url).get_secret_value()


def words(names: list[str]) -> str:
    """Names as a phrase: `a`, `a and b`, `a, b and c`."""
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


def date_label(p: Presentation) -> str:
    """The date filter's label: `Order dates`, or `Dates (rented on)` for a date field not named *_date."""
    label = field_label(p.date)
    return f"{label.capitalize()}s" if label.endswith("date") else f"Dates ({label})"


def scope_note(scope: str, p: Presentation) -> str:
    """A tab's note on what the filters mean, in the words of the dataset shown (escaped HTML)."""
    dimensions = [field_label(d) for d in p.dimensions]
    note = scope.format(
        dated=words(["date", *dimensions]), dimensions=words(dimensions) or "dimension", headline=p.headline.label
    )
    return f'<div class="context"><i>{text(note)}</i></div>'


class App(StoreView):
    """The whole dashboard: a sidebar bound to the DataStore and the five tabs.

    A tab's cards are built when it is first opened, so a page load computes only the first tab.
    """

    def __init__(self, settings: Settings | None = None, access: StewardAccess = READ_ONLY, **params: Any) -> None:
        super().__init__(**params)
        self.views = Cards(card_factories(self.ds, settings or get_settings(), access, self.show_tab))
        self.pages = [pn.Column(sizing_mode="stretch_width") for _ in TABS]
        self.tabs = pn.Tabs(*zip((t for t, *_ in TABS), self.pages, strict=True), sizing_mode="stretch_width")
        self.tabs.param.watch(lambda _: self._fill_tab(), "active")
        self._fill_tab()
        self.check_again = pn.widgets.Button(label="Check again", color="primary", on_click=lambda _: self.ds.reload())
        self.selection, self.banner = status.Selection(store=self.ds), status.RunBanner(store=self.ds)
        self.alert_banner = alerts.AlertBanner(store=self.ds)

    def show_tab(self, title: str) -> None:
        """Open the tab of that title (the Analytics KPIs' "see their events" opens Exceptions)."""
        self.tabs.active = [name for name, *_ in TABS].index(title)

    def _fill_tab(self) -> None:
        column = self.pages[self.tabs.active]
        if not column.objects:
            _, scope, rows = TABS[self.tabs.active]
            note = html(pn.bind(scope_note, scope, self.ds.param.presentation), margin=(8, 10, 0, 10))
            cards = [pn.Row(*(self.views[name] for name in row), sizing_mode="stretch_width") for row in rows]
            column.objects = [note, *cards]

    def sidebar(self) -> pn.Column:
        """Dataset, run, comparison and filter widgets, bound to the DataStore."""
        s, wide = self.ds, {"sizing_mode": "stretch_width"}
        dates = pn.widgets.DateRangePicker.from_param(s.param.date_range, label=date_label(s.presentation), **wide)
        s.param.watch(lambda e: setattr(dates, "label", date_label(e.new)), "presentation")
        return pn.Column(
            pn.widgets.Select.from_param(s.param.dataset, **wide),
            RunPicker(store=s),
            pn.widgets.Select.from_param(s.param.compare_run_id, **wide),
            dates,
            DimensionFilters(store=s),
            pn.Row(
                pn.widgets.Button(label="Reset filters", on_click=lambda _: s.reset_filters(), **wide),
                pn.widgets.Button(label="Reload runs", on_click=lambda _: s.reload(), **wide),
                **wide,
            ),
            **wide,
        )

    @param.depends("store.state")
    def body(self) -> pn.viewable.Viewable:
        """The tabs, or the page that explains why there is nothing to show."""
        if self.ds.state.kind != "ok":
            return status.state_page(self.ds.state, self.ds.reader.masked_url, self.check_again)
        return pn.Column(self.selection, self.banner, self.alert_banner, self.tabs, sizing_mode="stretch_width")

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Row(pn.Column(self.sidebar(), width=300), pn.panel(self.body, sizing_mode="stretch_width"))

    def template(self) -> pn.template.BootstrapTemplate:
        """The served page (BootstrapTemplate: every asset served locally, no web font)."""
        return pn.template.BootstrapTemplate(
            title=TITLE,
            sidebar=[self.sidebar()],
            main=[pn.panel(self.body)],
            header_background="#1d2b3a",
            sidebar_width=280,
        )


def requested(name: str) -> str | None:
    """A value named in the page's URL (`?dataset=...&run=...`: an alert's link opens its run), if any."""
    values = pn.state.session_args.get(name) or [b""]
    return values[0].decode("utf-8", "replace") or None


def show_in_url(event: param.parameterized.Event) -> None:
    """Keep `?dataset=...&run=...` in the browser's address in step with the selectors, so the page can be shared."""
    if pn.state.location is not None and event.new:
        pn.state.location.update_query(**{"run" if event.name == "run_id" else event.name: event.new})


def create_app(
    settings: Settings | None = None, dataset: str | None = None, user: str | None = None, run: str | None = None
) -> App:
    """Build the dashboard for the configured database (nothing is read before this is called), on `run` if it
    is one of the dataset's runs (else on the usual default run).

    `user`: who signed in (`panel serve --basic-auth`); with STEWARD_DATABASE_URL set, they get steward actions.
    """
    settings = settings or get_settings()
    first = settings.default_dataset  # shown first when it has runs (DEFAULT_DATASET)
    reader = shared_reader(database_url(settings), first, settings.expectations_dir)
    chosen: dict[str, Any] = {"run_id": run} if run else {}  # else DataStore picks the dataset's default run
    store = DataStore(reader, default_dataset=first, dataset=dataset, **chosen)
    return App(store=store, settings=settings, access=StewardAccess.of(settings, user))


if pn.state.served:
    pn.extension("plotly", "tabulator", sizing_mode="stretch_width")
    user = signed_in_user(pn.state.cookies, pn.config.cookie_secret, getattr(pn.config, "_basic_auth", None))
    app = create_app(dataset=requested("dataset"), user=user, run=requested("run"))
    app.ds.param.watch(show_in_url, ["dataset", "run_id"])
    app.template().servable(title=TITLE)
