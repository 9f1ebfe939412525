"""The dashboard for any dataset: a selector, and every tab driven by the dataset's spec.

A database holds real pipeline runs of two datasets, sales and bike rentals (tests/ui/bike_rentals.py),
whose dimensions, measures, headers and currency differ. Expected numbers are computed here with
pandas from the stored rows (clean tables, raw tables, exceptions), never through the dashboard's queries.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from flows.constants import MISSING
from flows.settings import Settings
from panel_app.app import App, create_app
from panel_app.data_store import DataStore
from panel_app.reader import Reader
from panel_app.selection import THIS_FILE
from tests.conftest import ROOT, throwaway_database
from tests.integration.helpers import read_table
from tests.ui.bike_rentals import DATASET, HOSTILE_BIKE, HOSTILE_STATION, TITLE, TwoDatasets, fill_two_datasets

BIKE_COLUMNS = ["rental_id", "rented_on", "station", "bike_type", "minutes", "fare"]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def two(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, prefect_harness: None
) -> Iterator[TwoDatasets]:
    """Sales and bike rentals in one database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        base = tmp_path_factory.getbasetemp() / "two-datasets-sqlite"
        yield fill_two_datasets(f"sqlite:///{base / 'pipeline.db'}", base)
        return
    with throwaway_database(request.getfixturevalue("postgres_server"), "datasets_test") as url:
        yield fill_two_datasets(url, tmp_path_factory.mktemp("datasets-pg"))


def make_app(db: TwoDatasets, dataset: str | None = None) -> App:
    """A fresh dashboard on the database (its own reader), optionally opened on a dataset."""
    store = DataStore(Reader(db.url, "sales"), expectations_dir=db.expectations_dir, dataset=dataset, scope=THIS_FILE)
    return App(store=store, settings=Settings(docs_dir=db.docs_dir))


def clean_bikes(db: TwoDatasets, run_id: str) -> pd.DataFrame:
    """A bike run's clean rows as stored, fare as float."""
    clean = read_table(db.url, "clean_bike_rentals", run_id)
    return clean.assign(fare=clean["fare"].astype(float))


def raw_exceptions(db: TwoDatasets, run_id: str) -> pd.DataFrame:
    """A bike run's exceptions joined to their raw rows (values as received)."""
    exceptions = read_table(db.url, "exceptions", run_id)
    raw = read_table(db.url, "raw_bike_rentals", run_id)
    return exceptions.merge(raw, left_on="original_record_id", right_on="id")


def test_the_selector_lists_every_dataset_with_runs_by_title_and_opens_on_the_default(two: TwoDatasets) -> None:
    """Both datasets are offered by title; the default dataset comes first, and a requested dataset wins."""
    store = make_app(two).ds
    assert store.param.dataset.objects == {"Indian food sales orders": "sales", TITLE: DATASET}
    assert store.dataset == "sales" and store.run_id == two.sales
    assert make_app(two, dataset=DATASET).ds.run_id == two.bikes_second
    assert make_app(two, dataset="no_such_dataset").ds.dataset == "sales"
    settings = Settings(database_url=two.url, default_dataset=DATASET, expectations_dir=two.expectations_dir)
    assert create_app(settings).ds.dataset == DATASET  # DEFAULT_DATASET decides, no dataset is special


def test_switching_dataset_reloads_runs_filters_and_kpis(two: TwoDatasets) -> None:
    """The bike runs, their station and bike-type filters, and KPIs in euros equal the clean table."""
    app = make_app(two)
    store = app.ds
    store.dataset = DATASET
    assert set(store.runs["run_id"]) == {two.bikes_first, two.bikes_second}
    assert store.run_id == two.bikes_second and store.compare_run_id == two.bikes_first
    clean = clean_bikes(two, two.bikes_second)
    assert store.options == {
        "station": ["Harbour", "Old Town", "Station Sq"],
        "bike_type": [HOSTILE_BIKE, "Classic", "E-bike", MISSING],
    }
    assert store.date_range is not None and str(store.date_range[0]) == str(clean["rented_on"].min())
    fare, count = round(clean["fare"].sum(), 2), len(clean)
    kpis = app.views["kpis"].values()
    assert kpis == pytest.approx(
        {"fare": fare, "record_count": count, "per_record": round(fare / count, 2), "minutes": clean["minutes"].sum()}
    )
    markup = app.views["kpis"].markup()
    assert f"€{fare:,.2f}" in markup and "fare per record" in markup and "₹" not in markup
    store.set_filter("bike_type", [MISSING])
    assert app.views["kpis"].values()["record_count"] == clean["bike_type"].isna().sum() == 2
    store.set_filter("station", ["Harbour"])
    expected = clean[clean["bike_type"].isna() & (clean["station"] == "Harbour")]
    assert app.views["kpis"].values()["fare"] == pytest.approx(expected["fare"].sum())
    assert "<b>station</b> Harbour" in app.selection.markup()
    store.dataset = "sales"
    assert store.filters == {} and set(store.options) == {"region", "product"}
    assert app.views["kpis"].values()["record_count"] == len(read_table(two.url, "clean_sales", two.sales))


def test_analytics_cards_follow_the_bike_dimensions_and_measures(two: TwoDatasets) -> None:
    """Trend, station and bike-type breakdowns, the heatmap, totals per run and the comparison use the spec."""
    app = make_app(two, dataset=DATASET)
    views, clean = app.views, clean_bikes(two, two.bikes_second)
    trend = views["trend"].figure()
    per_day = clean.groupby(pd.to_datetime(clean["rented_on"]))["fare"].sum().asfreq("D", fill_value=0.0)
    assert dict(zip(pd.to_datetime(trend.data[0].x), trend.data[0].y, strict=True)) == pytest.approx(per_day.to_dict())
    by_station = views["breakdown_1"].figure().data[-1]
    expected = clean.groupby("station")["fare"].sum().to_dict()
    assert dict(zip(by_station.y, by_station.x, strict=True)) == pytest.approx(expected)
    by_type = views["breakdown_2"].figure().data[-1]
    assert dict(zip(by_type.y, by_type.x, strict=True))[MISSING] == pytest.approx(
        clean[clean["bike_type"].isna()]["fare"].sum()
    )
    assert views["heatmap"].matrix().set_index("station").loc["Harbour", MISSING] == pytest.approx(5.0)
    across = views["across_runs"].figure().data[0]
    totals = [clean_bikes(two, run)["fare"].sum() for run in (two.bikes_first, two.bikes_second)]
    assert list(across.y) == pytest.approx(totals)
    table = views["comparison"].frame().set_index(["section", "item"])
    assert table.loc[("Totals", "fare"), "this_run"] == pytest.approx(totals[1])
    assert table.loc[("Totals", "fare"), "comparison_run"] == pytest.approx(totals[0])
    assert ("fare by station", "Harbour") in table.index and ("fare by bike type", MISSING) in table.index


def test_exceptions_count_and_list_the_raw_station_values(two: TwoDatasets) -> None:
    """Exceptions by station as received (an empty one as missing), drill-down, rows with the bike fields, CSV."""
    app = make_app(two, dataset=DATASET)
    stored = raw_exceptions(two, two.bikes_second)
    by_station = app.views["by_raw_value"]
    counts = dict(zip(by_station.counts()["key"], by_station.counts()["records"], strict=True))
    assert counts == stored["station"].replace("", MISSING).value_counts().to_dict()
    assert HOSTILE_STATION in counts and MISSING in counts
    assert "&lt;b&gt;Pier&lt;/b&gt;" in by_station.figure().data[0].y
    by_station.pane.click_data = {"points": [{"customdata": MISSING}]}
    assert app.ds.drill == {"value": MISSING}
    rows = app.views["exception_rows"].rows()
    assert list(rows.columns) == [
        "row",
        "exception",
        "status",
        "open for",
        "reasons",
        *BIKE_COLUMNS,
        "category",
        "record_id",
    ]
    assert rows["rental_id"].tolist() == ["R109"] and "station_not_null" in rows["reasons"].iloc[0]
    assert "station as received = <b>(missing)</b>" in app.views["exception_rows"].status()
    app.ds.drill = {}
    app.ds.set_filter("station", ["Old Town"])
    assert app.views["exception_rows"].rows()["rental_id"].tolist() == ["R107"]
    app.ds.reset_filters()
    exported = list(csv.DictReader(io.StringIO(app.views["exception_rows"].data.download.callback().getvalue())))
    assert len(exported) == len(stored) and {"rental_id", "station", "fare", "error_details"} <= set(exported[0])
    assert any(r["fare"] == "abc" for r in exported)


def test_quality_audit_and_controls_tabs_read_the_selected_dataset(two: TwoDatasets) -> None:
    """The bike suite's controls, the bike runs' quality and audit trail, nothing of the sales run."""
    app = make_app(two, dataset=DATASET)
    run = read_table(two.url, "pipeline_runs", two.bikes_second).iloc[0]
    controls = app.views["controls"].frame().set_index("rule")
    assert "station_in_reference_set" in controls.index and "order_id_unique" not in controls.index
    assert (controls.loc[controls["scope"] == "record", "checked"] == run["raw_count"]).all()
    assert list(app.views["split"].figure().data[0].values) == [run["clean_count"], run["exception_count"]]
    assert len(app.views["quality_trend"].figure().data[0].x) == 2
    assert set(app.views["history"].runs()["run_id"]) == {two.bikes_first, two.bikes_second}
    assert set(app.views["reconciliation"].frame()["run_id"]) == {two.bikes_first, two.bikes_second}
    assert run["source_sha256"] in app.views["run_details"].markup()
    audit = read_table(two.url, "audit_log", two.bikes_second)
    ends = audit[audit["event"] == "end"].set_index("stage")
    assert (
        app.views["stage_events"].frame().set_index("stage")["records_out"].to_dict() == ends["records_out"].to_dict()
    )


def test_a_dataset_whose_spec_is_missing_is_not_offered(two: TwoDatasets, tmp_path: Path) -> None:
    """Runs of a dataset without a spec in the expectations folder are left out of the selector."""
    (tmp_path / "sales.yaml").write_bytes((two.expectations_dir / "sales.yaml").read_bytes())
    (tmp_path / "sales_orders.json").write_bytes((two.expectations_dir / "sales_orders.json").read_bytes())
    store = DataStore(Reader(two.url, "sales"), expectations_dir=tmp_path)
    assert list(store.param.dataset.objects.values()) == ["sales"]


CAFE = "dirty_cafe_sales"
CAFE_SAMPLE = ROOT / "data" / "samples" / "dirty_cafe_sales.csv"


@pytest.fixture(scope="module")
def cafe(tmp_path_factory: pytest.TempPathFactory, prefect_harness: None) -> tuple[str, str]:
    """A SQLite database with one real run of the public dirty cafe sample (10,000 rows); its URL and run id."""
    from flows.pipeline import run_pipeline

    if not CAFE_SAMPLE.exists():
        pytest.skip(f"{CAFE_SAMPLE} is not here")
    base = tmp_path_factory.mktemp("cafe")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DATABASE_URL", f"sqlite:///{base / 'pipeline.db'}")
        env.setenv("DOCS_DIR", str(base / "docs"))
        env.setenv("EXPECTATIONS_DIR", str(ROOT / "expectations"))
        summary = run_pipeline(str(CAFE_SAMPLE), dataset=CAFE)
    assert summary.status == "COMPLETED"
    return f"sqlite:///{base / 'pipeline.db'}", summary.run_id


@pytest.mark.slow
def test_the_public_cafe_sample_shows_plain_numbers_and_missing_locations(cafe: tuple[str, str]) -> None:
    """Without sales runs the cafe data is shown: totals as plain numbers, unknown locations as (missing)."""
    url, run_id = cafe
    app = App(store=DataStore(Reader(url, "sales"), expectations_dir=ROOT / "expectations"), settings=Settings())
    store = app.ds
    assert store.param.dataset.objects == {"Cafe sales (public dirty data)": CAFE} and store.run_id == run_id
    clean = read_table(url, "clean_dirty_cafe_sales", run_id)
    total = round(clean["total_spent"].astype(float).sum(), 2)
    assert app.views["kpis"].values()["total_spent"] == pytest.approx(total)
    assert app.views["kpis"].values()["record_count"] == len(clean)
    markup = app.views["kpis"].markup()
    assert f"{total:,.2f}" in markup and "₹" not in markup
    assert store.options["location"] == ["In-store", "Takeaway", MISSING]
    store.set_filter("location", [MISSING])
    assert app.views["kpis"].values()["record_count"] == clean["location"].isna().sum()
    raw = read_table(url, "raw_dirty_cafe_sales", run_id).set_index("id")
    exceptions = read_table(url, "exceptions", run_id)
    store.reset_filters()
    counts = app.views["by_raw_value"].counts().set_index("key")["records"].to_dict()
    expected = exceptions["original_record_id"].map(raw["item"]).replace("", MISSING).value_counts().to_dict()
    assert counts == expected and {"ERROR", "UNKNOWN", MISSING} <= set(counts)
