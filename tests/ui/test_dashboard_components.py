"""Dashboard components without a browser, against databases filled by real pipeline runs.

Every expected number is computed here, from the stored rows (clean_sales, exceptions,
validation_results, audit_log) with pandas, never through the dashboard's own queries.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from flows.generate import DefectRates, generate_sales, write_generated
from flows.settings import Settings
from flows.storage.models import AnalyticsSummary
from flows.storage.runs import RunRecords
from panel_app.app import App
from panel_app.data_store import DataStore
from panel_app.formatting import format_inr
from panel_app.reader import Reader
from panel_app.selection import ALL_DATA, THIS_FILE
from tests.conftest import ROOT, throwaway_database
from tests.integration.helpers import read_table

ROWS = 1500
SALES = "sales"  # the dataset every run here belongs to
HOSTILE_PRODUCT = "<img src=x onerror=alert(1)>"
FORMULA_REGION = '=HYPERLINK("http://example.invalid","open")'
REJECTED_NAME = "<img src=y onerror=alert(2)> no revenue.csv"
_FILLED: dict[str, FilledDatabase] = {}


@dataclass(frozen=True)
class FilledDatabase:
    """A database holding two COMPLETED runs (the second with hostile values) and a REJECTED one."""

    url: str
    docs_dir: Path
    first: str
    second: str
    rejected: str


def _run(path: Path) -> tuple[str, str]:
    from flows.pipeline import run_pipeline

    summary = run_pipeline(source=str(path))
    return summary.run_id, summary.status


def fill_database(url: str, workdir: Path) -> FilledDatabase:
    """Run the real pipeline three times into `url` (once per process and URL)."""
    if url in _FILLED:
        return _FILLED[url]
    workdir.mkdir(parents=True, exist_ok=True)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DATABASE_URL", url)
        env.setenv("DOCS_DIR", str(workdir / "docs"))
        env.setenv("EXPECTATIONS_DIR", str(ROOT / "expectations"))
        first = generate_sales(ROWS, seed=11)
        write_generated(first, workdir / "sales_first.csv", 11, DefectRates())
        rates = DefectRates(negative_revenue=0.05, invalid_region=0.03)
        second = generate_sales(ROWS, seed=12, rates=rates, first_order=ROWS + 1)  # another day: its own order ids
        second.frame.loc[3, "product"] = HOSTILE_PRODUCT
        second.frame.loc[4, ["order_id", "region"]] = ["=1+2", FORMULA_REGION]
        write_generated(second, workdir / "sales_second.csv", 12, rates)
        generate_sales(50, seed=13).frame.drop(columns=["revenue"]).to_csv(workdir / REJECTED_NAME, index=False)
        results = [_run(workdir / name) for name in ("sales_first.csv", "sales_second.csv", REJECTED_NAME)]
    assert [status for _, status in results] == ["COMPLETED", "COMPLETED", "REJECTED"]
    filled = FilledDatabase(url, workdir / "docs", *(run_id for run_id, _ in results))
    _FILLED[url] = filled
    return filled


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def filled(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, prefect_harness: None
) -> Iterator[FilledDatabase]:
    """The filled database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        base = tmp_path_factory.getbasetemp() / "dashboard-sqlite"
        yield fill_database(f"sqlite:///{base / 'pipeline.db'}", base)
        return
    with throwaway_database(request.getfixturevalue("postgres_server"), "dashboard_test") as url:
        yield fill_database(url, tmp_path_factory.mktemp("dashboard-pg"))


def make_app(db: FilledDatabase) -> App:
    """A fresh dashboard on the filled database (its own reader: nothing cached from other tests)."""
    settings = Settings(docs_dir=db.docs_dir, prefect_ui_url="http://127.0.0.1:4200")
    store = DataStore(Reader(db.url, SALES), expectations_dir=ROOT / "expectations", scope=THIS_FILE)  # per file
    return App(store=store, settings=settings)


def clean_sales(db: FilledDatabase, run_id: str) -> pd.DataFrame:
    """The run's clean rows as stored, revenue as float and dates as ISO text."""
    clean = read_table(db.url, "clean_sales", run_id)
    return clean.assign(revenue=clean["revenue"].astype(float), order_date=pd.to_datetime(clean["order_date"]).dt.date)


def expected_kpis(clean: pd.DataFrame) -> dict[str, float]:
    """Revenue, records (orders), quantity and revenue per record, straight from clean rows."""
    revenue, orders = round(float(clean["revenue"].sum()), 2), float(len(clean))
    return {
        "revenue": revenue,
        "record_count": orders,
        "quantity": float(clean["quantity"].sum()),
        "per_record": round(revenue / orders, 2),
    }


def test_the_latest_completed_run_is_shown_with_the_database_numbers(filled: FilledDatabase) -> None:
    """It selects the latest COMPLETED run, compares it with the one before, and its KPIs equal clean_sales."""
    app = make_app(filled)
    store = app.ds
    assert store.state.kind == "ok"
    assert store.run_id == filled.second and store.compare_run_id == filled.first
    assert set(store.param.run_id.objects.values()) == {filled.first, filled.second, filled.rejected}
    assert app.views["kpis"].values() == pytest.approx(expected_kpis(clean_sales(filled, filled.second)), abs=0.006)
    assert format_inr(expected_kpis(clean_sales(filled, filled.second))["revenue"]) in app.views["kpis"].markup()


def test_filters_change_every_sales_figure_to_the_filtered_rows(filled: FilledDatabase) -> None:
    """Date range, regions and products narrow the KPIs, the trend and the breakdowns exactly."""
    app = make_app(filled)
    store, views = app.ds, app.views
    store.param.update(
        date_range=(dt.date(2024, 3, 1), dt.date(2024, 6, 30)),
        filters={"region": ["North", "East"], "product": ["Dairy", "Snacks"]},
    )
    clean = clean_sales(filled, filled.second)
    chosen = clean[
        clean["order_date"].between(dt.date(2024, 3, 1), dt.date(2024, 6, 30))
        & clean["region"].isin(["North", "East"])
        & clean["product"].isin(["Dairy", "Snacks"])
    ]
    assert views["kpis"].values() == pytest.approx(expected_kpis(chosen), abs=0.006)
    trend = views["trend"].figure()
    assert pd.Timestamp(min(trend.data[0].x)) >= pd.Timestamp("2024-03-01")
    assert pd.Timestamp(max(trend.data[0].x)) <= pd.Timestamp("2024-06-30")
    by_region = views["breakdown_1"].figure().data[-1]
    expected = chosen.groupby("region")["revenue"].sum().round(2)
    assert dict(zip(by_region.y, by_region.x, strict=True)) == pytest.approx(expected.to_dict(), abs=0.006)
    assert views["heatmap"].matrix()["region"].tolist() == ["East", "North"]
    store.reset_filters()
    assert views["kpis"].values()["record_count"] == len(clean)


def test_changing_run_and_comparing_two_runs(filled: FilledDatabase) -> None:
    """The comparison shows both runs' revenue and exceptions per category, and the change."""
    app = make_app(filled)
    app.ds.set_filter("region", ["West"])
    table = app.views["comparison"].frame().set_index(["section", "item"])
    first, second = clean_sales(filled, filled.first), clean_sales(filled, filled.second)
    west = {name: round(c.loc[c["region"] == "West", "revenue"].sum(), 2) for name, c in (("a", first), ("b", second))}
    row = table.loc[("Totals", "revenue")]
    assert [row["this_run"], row["comparison_run"]] == pytest.approx([west["b"], west["a"]], abs=0.006)
    assert row["change"] == pytest.approx(west["b"] - west["a"], abs=0.011)
    exceptions = read_table(filled.url, "exceptions", filled.first)
    raw = read_table(filled.url, "raw_sales", filled.first).set_index("id")
    in_west = exceptions[exceptions["original_record_id"].map(raw["region"]) == "West"]
    for category, count in in_west["error_category"].value_counts().items():
        assert table.loc[("Exceptions by category", category), "comparison_run"] == count
    app.ds.run_id = filled.first
    assert app.ds.compare_run_id == ""  # nothing completed before the first run
    assert app.views["kpis"].values()["revenue"] == pytest.approx(west["a"], abs=0.006)


def test_a_rejected_run_is_shown_as_rejected_with_its_reason_as_text(filled: FilledDatabase) -> None:
    """Selecting the rejected run shows its reason in a banner (escaped) and no results."""
    app = make_app(filled)
    app.ds.run_id = filled.rejected
    banner = app.banner.markup()
    assert "REJECTED" in banner and "missing required columns: revenue" in banner
    assert "&lt;img src=y onerror=alert(2)&gt;" in banner and "<img" not in banner
    assert not app.ds.has_results and app.ds.grain.empty
    assert app.views["controls"].frame().empty
    assert "<img" not in app.views["run_details"].markup()


def test_exception_charts_drill_down_to_searchable_pages_of_rows(filled: FilledDatabase) -> None:
    """Counts equal the exceptions table; a bar click lists that category's rows, 25 a page; search finds values."""
    app = make_app(filled)
    exceptions = read_table(filled.url, "exceptions", filled.second)
    by_category = app.views["by_category"]
    assert (
        dict(zip(by_category.counts()["key"], by_category.counts()["records"], strict=True))
        == exceptions["error_category"].value_counts().to_dict()
    )
    category = exceptions["error_category"].value_counts().index[0]
    by_category.pane.click_data = {"points": [{"customdata": category}]}
    table = app.views["exception_rows"]
    assert app.ds.drill == {"category": category}
    assert table.total() == (exceptions["error_category"] == category).sum()
    page_one = table.rows()
    assert len(page_one) == 25 and set(page_one["category"]) == {category}
    table.next.clicks += 1
    assert app.ds.page == 2 and not set(table.rows()["row"]) & set(page_one["row"])
    table.clear.clicks += 1
    app.ds.search = "hyperlink"
    found = table.rows()
    assert found["region"].tolist() == [FORMULA_REGION] and "region_in_reference_set" in found["reasons"].iloc[0]


def test_csv_exports_hold_the_rows_and_neutralise_formulas(filled: FilledDatabase) -> None:
    """The exceptions CSV has every matching row; formula cells get an apostrophe, negative amounts stay numbers."""
    app = make_app(filled)
    table = app.views["exception_rows"]
    rows = list(csv.DictReader(io.StringIO(table.data.download.callback().getvalue())))
    assert len(rows) == len(read_table(filled.url, "exceptions", filled.second))
    hostile = next(r for r in rows if "HYPERLINK" in r["region"])
    assert hostile["region"] == "'" + FORMULA_REGION and hostile["order_id"] == "'=1+2"
    negative = [r["revenue"] for r in rows if r["revenue"].startswith("-")]
    assert negative and all(float(v) < 0 for v in negative)
    assert any(r["product"] == HOSTILE_PRODUCT for r in rows)
    controls_csv = app.views["controls"].data.download.callback().getvalue()
    assert controls_csv.splitlines()[0].startswith("rule,control_type,severity,checked,failed,pass_rate_pct")


def test_controls_and_quality_match_validation_results(filled: FilledDatabase) -> None:
    """Every suite control is listed with checked = raw count and failed = distinct failing records."""
    app = make_app(filled)
    controls = app.views["controls"].frame().set_index("rule")
    results = read_table(filled.url, "validation_results", filled.second)
    failed = results.dropna(subset=["record_id"]).groupby("rule_name")["record_id"].nunique()
    run = read_table(filled.url, "pipeline_runs", filled.second).iloc[0]
    assert len(controls) == 24  # the sales suite's rules, the ledger rule included
    record_rules = controls[controls["scope"] == "record"]
    assert (record_rules["checked"] == run["raw_count"]).all()
    assert record_rules["failed"].to_dict() == failed.reindex(record_rules.index, fill_value=0).to_dict()
    split = app.views["split"].figure().data[0]
    assert list(split.values) == [run["clean_count"], run["exception_count"]]
    assert f"{100 * run['clean_count'] / run['raw_count']:.2f} %" in app.views["quality"].markup()
    assert len(app.views["quality_trend"].figure().data[0].x) == 2


def test_audit_trail_links_and_stage_counts(filled: FilledDatabase) -> None:
    """The run record links to its Data Docs and Prefect flow run; stage counts equal audit_log."""
    app = make_app(filled)
    run = read_table(filled.url, "pipeline_runs", filled.second).iloc[0]
    details = app.views["run_details"].markup()
    assert f'href="/docs/{filled.second}/index.html"' in details
    assert f'href="http://127.0.0.1:4200/runs/flow-run/{run["flow_run_id"]}"' in details
    assert run["source_sha256"] in details
    audit = read_table(filled.url, "audit_log", filled.second)
    ends = audit[audit["event"] == "end"].set_index("stage")
    stages = app.views["stage_events"].frame().set_index("stage")
    assert stages["records_out"].to_dict() == ends["records_out"].to_dict()
    assert app.views["history"].runs()["status"].tolist() == ["REJECTED", "COMPLETED", "COMPLETED"]


def test_an_empty_database_gets_a_page_explaining_make_demo(tmp_path: Path) -> None:
    """A missing SQLite file is reported as empty (and not created); so is a database without tables."""
    missing = tmp_path / "nothing.db"
    app = App(store=DataStore(Reader(f"sqlite:///{missing}", SALES)), settings=Settings())
    assert app.ds.state.kind == "empty"
    page = app.body()
    assert page.title == "No pipeline runs yet" and "make demo" in page.objects[0].object
    assert not missing.exists()
    sqlite3.connect(tmp_path / "blank.db").close()
    assert (
        Reader(f"sqlite:///{tmp_path / 'blank.db'}", SALES).state().detail == "the pipeline's tables do not exist yet"
    )


def test_an_unreachable_database_gets_a_banner_without_password_or_traceback() -> None:
    """A refused connection becomes a banner with the masked URL and a one-line reason."""
    url = "postgresql://auditor:s3cret-pass@127.0.0.1:1/sales"
    app = App(store=DataStore(Reader(url, SALES)), settings=Settings())
    assert app.ds.state.kind == "unreachable"
    markup = str(app.body().objects[0].object)
    assert "Database unreachable" in app.body().title
    assert "auditor:***@127.0.0.1:1" in markup
    assert "s3cret-pass" not in markup and "Traceback" not in markup


@pytest.mark.parametrize("filled", ["sqlite"], indirect=True)  # the copy is made of the SQLite file
def test_a_running_run_is_listed_as_in_progress_and_its_rows_never_read(filled: FilledDatabase, tmp_path: Path) -> None:
    """A newer RUNNING run with half-written aggregates does not become the default and shows no data."""
    copy = tmp_path / "running.db"
    with sqlite3.connect(filled.url.removeprefix("sqlite:///")) as source, sqlite3.connect(copy) as target:
        source.backup(target)  # the WAL's committed pages included
    url = f"sqlite:///{copy}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        RunRecords(conn).create(
            run_id="running-run",
            dataset="sales",
            flow_run_id=None,
            source_name="late.csv",
            source_sha256=None,
            source_bytes=None,
            started_at=dt.datetime.now(dt.UTC),
            suite_name="sales_orders",
            suite_version="x",
        )
        conn.execute(
            sa.insert(AnalyticsSummary),
            [
                {
                    "run_id": "running-run",
                    "dataset": "sales",
                    "breakdown": "total",
                    "key_1": None,
                    "key_2": None,
                    "key_3": None,
                    "measure": "revenue",
                    "value": 1,
                }
            ],
        )
    engine.dispose()
    app = App(
        store=DataStore(Reader(url, SALES), expectations_dir=ROOT / "expectations"),
        settings=Settings(docs_dir=filled.docs_dir),
    )
    assert app.ds.run_id == filled.second
    latest = app.views["history"].runs().iloc[0]
    assert latest["status"] == "RUNNING" and pd.isna(latest["raw"])
    assert latest["reason"] == "in progress: its results appear once it completes"
    app.ds.run_id = "running-run"
    assert app.ds.scope == ALL_DATA  # the ledger: COMPLETED runs only, never the running run's stray analytics
    current = read_table(filled.url, "current_clean_sales")["revenue"].astype(float).sum()
    assert app.ds.grain["revenue"].sum() == pytest.approx(current)
    app.ds.scope = THIS_FILE
    assert not app.ds.has_results and app.ds.grain.empty
    assert "in progress" in app.banner.markup()
    assert app.views["stage_events"].frame().empty
    assert "running-run" not in set(app.ds.reader.run_totals()["run_id"])


def test_the_dashboard_reads_dashboard_database_url_before_database_url() -> None:
    """DASHBOARD_DATABASE_URL wins when set; otherwise the pipeline's DATABASE_URL is read."""
    from panel_app.app import database_url

    assert database_url(Settings(database_url="sqlite:///a.db")) == "sqlite:///a.db"
    both = Settings(database_url="sqlite:///a.db", dashboard_database_url="sqlite:///b.db")
    assert database_url(both) == "sqlite:///b.db"
