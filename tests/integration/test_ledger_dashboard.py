"""The dashboard's "All loaded data" scope after three generated daily files, on SQLite and PostgreSQL.

Every figure the scope shows (KPIs, per region, per day, per month and quarter) is recomputed here with SQL over
the `current_clean_sales` view, never through the dashboard's reads; "This file" and "What this file changed" are
checked against the run's own stored rows. The store is built after two files and reloaded after the third, so
the ledger's cache is seen to move with a new COMPLETED run.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from flows.generate import DefectRates, Overlap, generate_days, write_days
from flows.settings import Settings
from flows.storage.engine import normalize_url
from panel_app.app import App
from panel_app.data_store import DataStore
from panel_app.reader import Reader
from panel_app.selection import ALL_DATA, THIS_FILE
from tests.conftest import ROOT, throwaway_database

ROWS, SEED = 600, 7


@dataclass
class Ledger:
    """Three daily files loaded in order; the app was built after the second."""

    url: str
    run_ids: list[str]
    app: App
    resent_in_last: int  # the generator's answer key: rows of day 3 that resend an earlier row unchanged
    reloaded_revenue: float  # the ledger's revenue tile right after the reload that followed the third file


def sql(url: str, query: str, **params: object) -> pd.DataFrame:
    """A query's rows, read with a plain engine (not the dashboard's)."""
    engine = sa.create_engine(normalize_url(url))
    try:
        with engine.connect() as conn:
            return pd.read_sql(sa.text(query), conn, params=params)
    finally:
        engine.dispose()


def _load(url: str, workdir: Path) -> Ledger:
    from flows.pipeline import run_pipeline

    files = generate_days(3, ROWS, SEED)
    paths = write_days(files, workdir, SEED, DefectRates(), Overlap())
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DATABASE_URL", url)
        env.setenv("DOCS_DIR", str(workdir / "docs"))
        env.setenv("EXPECTATIONS_DIR", str(ROOT / "expectations"))
        run_ids = [run_pipeline(source=str(p)).run_id for p in paths[:2]]
        store = DataStore(Reader(url, "sales"), expectations_dir=ROOT / "expectations")
        app = App(store=store, settings=Settings(docs_dir=workdir / "docs"))
        app.views["kpis"].values()  # the ledger of two files is read (and cached) before the third loads
        run_ids.append(run_pipeline(source=str(paths[2])).run_id)
    store.reload()  # keeps the second run selected; the ledger must now include the third file
    reloaded = app.views["kpis"].values()["revenue"]
    store.run_id = run_ids[-1]
    resent = sum(e.kind == "resent" for e in files[2].ledger_key)
    return Ledger(url, run_ids, app, resent, reloaded)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ledger(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, prefect_harness: None
) -> Iterator[Ledger]:
    """Three daily files loaded into a fresh database, once on SQLite and once on PostgreSQL."""
    workdir = tmp_path_factory.mktemp(f"ledger-{request.param}")
    if request.param == "sqlite":
        yield _load(f"sqlite:///{workdir / 'pipeline.db'}", workdir)
        return
    with throwaway_database(request.getfixturevalue("postgres_server"), "ledger_dash") as url:
        yield _load(url, workdir)


def current(db: Ledger, where: str = "", **params: object) -> pd.DataFrame:
    """The current ledger's revenue, quantity and records per day and region, by SQL over the view."""
    frame = sql(
        db.url,
        "SELECT order_date, region, SUM(revenue) AS revenue, SUM(quantity) AS quantity, COUNT(*) AS records"
        f" FROM current_clean_sales {where} GROUP BY order_date, region",
        **params,
    )
    return frame.assign(order_date=pd.to_datetime(frame["order_date"]), revenue=frame["revenue"].astype(float))


def test_all_loaded_data_is_the_default_and_every_figure_equals_sql_over_the_current_view(ledger: Ledger) -> None:
    """KPIs, revenue per region, per day and per month and quarter equal SQL over current_clean_sales."""
    store, views = ledger.app.ds, ledger.app.views
    assert store.scope == ALL_DATA and store.run_id == ledger.run_ids[-1]
    rows = current(ledger)
    kpis = views["kpis"].values()
    assert ledger.reloaded_revenue == kpis["revenue"]  # the reload after the third run re-read the ledger
    assert kpis["revenue"] == pytest.approx(round(rows["revenue"].sum(), 2), abs=0.006)
    assert kpis["record_count"] == rows["records"].sum() and kpis["quantity"] == rows["quantity"].sum()
    region = views["breakdown_1"].figure().data[-1]
    per_region = rows.groupby("region")["revenue"].sum().round(2)
    assert dict(zip(region.y, region.x, strict=True)) == pytest.approx(per_region.to_dict(), abs=0.006)
    trend = views["trend"].figure().data[0]
    per_day = rows.groupby("order_date")["revenue"].sum()
    assert list(trend.y) == pytest.approx(per_day.asfreq("D", fill_value=0.0).tolist(), abs=0.006)
    periods = views["periods"].frame().set_index("period")
    months = rows.groupby(rows["order_date"].dt.strftime("%Y-%m"))["revenue"].sum().round(2)
    quarters = rows.groupby(rows["order_date"].dt.to_period("Q").astype(str).str.replace("Q", "-Q"))["revenue"]
    assert periods.query("kind == 'month'")["total"].to_dict() == pytest.approx(months.to_dict(), abs=0.006)
    expected_quarters = quarters.sum().round(2).to_dict()
    assert periods.query("kind == 'quarter'")["total"].to_dict() == pytest.approx(expected_quarters, abs=0.006)


def test_a_region_filter_narrows_the_ledger_as_sql_does(ledger: Ledger) -> None:
    """The region filter applies to the ledger: KPIs equal SQL over the view for that region."""
    store, kpis = ledger.app.ds, ledger.app.views["kpis"]
    store.set_filter("region", ["North"])
    try:
        rows = current(ledger, "WHERE region = :region", region="North")
        assert kpis.values()["revenue"] == pytest.approx(round(rows["revenue"].sum(), 2), abs=0.006)
        assert kpis.values()["record_count"] == rows["records"].sum()
    finally:
        store.reset_filters()


def test_this_file_shows_the_runs_own_rows_and_what_it_changed(ledger: Ledger) -> None:
    """This file: the run's clean rows; what it changed: resends as the generator planted them, the rest by SQL."""
    store, views, last = ledger.app.ds, ledger.app.views, ledger.run_ids[-1]
    store.scope = THIS_FILE
    try:
        mine = sql(ledger.url, "SELECT revenue FROM clean_sales WHERE run_id = :r", r=last)
        assert views["kpis"].values()["revenue"] == pytest.approx(round(mine["revenue"].astype(float).sum(), 2))
    finally:
        store.scope = ALL_DATA
    counts = dict(views["file_changes"].counts())
    findings = sql(ledger.url, "SELECT details FROM validation_results WHERE run_id = :r", r=last)["details"]
    added = sql(ledger.url, "SELECT COUNT(*) AS n FROM clean_sales WHERE run_id = :r", r=last)["n"].iloc[0]
    assert counts["Resent, quarantined"] == ledger.resent_in_last > 0
    assert counts["Resent, quarantined"] == findings.str.startswith("resent: ").sum()
    assert counts["Conflicts, quarantined"] == findings.str.startswith("conflicts with the ledger: ").sum() > 0
    assert counts["Superseded (old → new)"] == 0 and counts["Added (new keys)"] == added  # sales: quarantine
    table = views["file_changes"].frame()
    assert len(table) == counts["Resent, quarantined"] + counts["Conflicts, quarantined"]
    assert table["details"].str.contains(ledger.run_ids[0]).any()  # a finding names the earlier run


def test_under_supersede_the_ledger_replaces_changed_rows_and_the_file_lists_them(
    tmp_path: Path, prefect_harness: None
) -> None:
    """With `key_conflict: supersede` (SQLite), the ledger's KPIs still equal SQL over the current view, and the
    second file's card lists each superseded row with the earlier record and run and its revenue before and after."""
    from flows.pipeline import run_pipeline

    specs = tmp_path / "expectations"
    shutil.copytree(ROOT / "expectations", specs)
    (specs / "sales.yaml").write_text((specs / "sales.yaml").read_text() + "key_conflict: supersede\n")
    files = generate_days(2, 300, SEED)
    paths = write_days(files, tmp_path, SEED, DefectRates(), Overlap())
    url = f"sqlite:///{tmp_path / 'pipeline.db'}"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DATABASE_URL", url)
        env.setenv("DOCS_DIR", str(tmp_path / "docs"))
        env.setenv("EXPECTATIONS_DIR", str(specs))
        first, second = (run_pipeline(source=str(p)).run_id for p in paths)
    app = App(store=DataStore(Reader(url, "sales"), expectations_dir=specs), settings=Settings())
    rows = current(Ledger(url, [first, second], app, 0, 0.0))
    assert app.ds.scope == ALL_DATA
    assert app.views["kpis"].values()["revenue"] == pytest.approx(round(rows["revenue"].sum(), 2), abs=0.006)
    counts = dict(app.views["file_changes"].counts())
    changed = sum(e.kind == "changed" for e in files[1].ledger_key)
    assert counts["Superseded (old → new)"] == changed > 0 and counts["Conflicts, quarantined"] == 0
    table = app.views["file_changes"].frame().query("change == 'Superseded (old → new)'")
    old = sql(url, "SELECT record_id, revenue, superseded_by_record_id FROM clean_sales WHERE run_id = :r", r=first)
    old = old.dropna(subset=["superseded_by_record_id"]).set_index("record_id")
    assert set(table["earlier_record_id"].astype(int)) == set(old.index) and set(table["earlier_run_id"]) == {first}
    before = old.loc[table["earlier_record_id"].astype(int), "revenue"].astype(float).to_numpy()
    assert table["before"].to_numpy() == pytest.approx(before)
    assert (old["superseded_by_record_id"].astype(int).sort_values().to_numpy() == sorted(table["record_id"])).all()
