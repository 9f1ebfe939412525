"""Upgrading a database filled by the release before the one table path (revision 0004) keeps every row.

The fixture `tests/fixtures/release_0004.json.gz` is every table of a SQLite database that release's
own command line filled (a COMPLETED run of 400 generated rows, a REJECTED file); it is loaded into a
0004 schema on SQLite and PostgreSQL, migrated to head, then a run of this release is added beside it.
"""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from flows.pipeline import run_pipeline
from flows.storage import read
from flows.storage.migrate import upgrade_to_head
from tests.conftest import ROOT
from tests.factories import make_frame, write_csv
from tests.integration.helpers import at_revision, read_table

pytestmark = pytest.mark.usefixtures("prefect_harness")
FIXTURE = ROOT / "tests" / "fixtures" / "release_0004.json.gz"
ORDER = (
    "pipeline_runs", "raw_sales", "clean_sales", "validation_results", "exceptions", "analytics_summary", "audit_log"
)  # fmt: skip


def _release_tables() -> dict[str, list[dict[str, Any]]]:
    with gzip.open(FIXTURE, "rt", encoding="utf-8") as handle:
        return json.load(handle)["tables"]


def _load(engine: sa.Engine, tables: dict[str, list[dict[str, Any]]]) -> None:
    """Insert the release's rows as they were stored (unbound text; booleans as booleans)."""
    with engine.begin() as conn:
        for name in ORDER:
            columns = {c["name"]: c["type"] for c in sa.inspect(conn).get_columns(name)}
            rows = [
                {k: bool(v) if isinstance(columns[k], sa.Boolean) and v is not None else v for k, v in row.items()}
                for row in tables[name]
            ]
            names = list(rows[0])
            statement = f"INSERT INTO {name} ({', '.join(names)}) VALUES ({', '.join(':' + n for n in names)})"
            conn.execute(sa.text(statement), rows)
        if conn.dialect.name == "postgresql":  # rows came with their ids: move the serial sequences past them
            for name in ("validation_results", "exceptions", "analytics_summary", "audit_log"):
                conn.execute(
                    sa.text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT MAX(id) FROM {name}))")
                )
        (block,) = tables["id_blocks"]
        conn.execute(sa.text("UPDATE id_blocks SET next_id = :n WHERE table_name = 'records'"), {"n": block["next_id"]})


def test_a_filled_release_database_upgrades_with_every_row_and_takes_new_runs(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Rows, revenue and aggregates survive; clean_sales takes the spec's types; a new run completes beside them."""
    tables = _release_tables()
    engine = at_revision(database_url, "0004")
    _load(engine, tables)

    upgrade_to_head(engine)

    for name in ORDER:
        assert len(read_table(database_url, name)) == len(tables[name]), name
    clean = read_table(database_url, "clean_sales").set_index("record_id")
    stored = {int(k): Decimal(str(v)).quantize(Decimal("0.01")) for k, v in clean["revenue"].items()}
    assert stored == {
        r["record_id"]: Decimal(str(r["revenue"])).quantize(Decimal("0.01")) for r in tables["clean_sales"]
    }
    types = {c["name"]: c["type"] for c in sa.inspect(engine).get_columns("clean_sales")}
    assert isinstance(types["region"], sa.Text) and isinstance(types["quantity"], sa.BigInteger)
    assert (
        next(c for c in sa.inspect(engine).get_columns("clean_sales") if c["name"] == "revenue_per_unit")["nullable"]
        is not False
    )
    engine.dispose()

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("DOCS_DIR", str(tmp_path / "docs"))
    later = make_frame(5, rows=[{"revenue": "-1.00"}], first=1_001)  # after the release's ORD-0000001..0000392
    new = run_pipeline(source=str(write_csv(tmp_path / "new.csv", later)))
    assert (new.status, new.clean_count, new.exception_count) == ("COMPLETED", 5, 1)
    old_run = next(r["run_id"] for r in tables["pipeline_runs"] if r["status"] == "COMPLETED")
    new_ids = read_table(database_url, "raw_sales", new.run_id)["id"]
    assert new_ids.min() == tables["id_blocks"][0]["next_id"]  # ids continue after the release's
    with read.connect(database_url) as conn:
        assert set(read.list_runs(conn, "sales")["run_id"]) == {
            *(r["run_id"] for r in tables["pipeline_runs"]),
            new.run_id,
        }
        grain = read.analytics_grain(conn, old_run, ("order_date", "region", "product"), ("revenue",))
    old_revenue = sum(Decimal(str(r["revenue"])) for r in tables["clean_sales"])
    assert Decimal(str(grain["revenue"].astype(float).sum())).quantize(Decimal("0.01")) == old_revenue


def test_an_empty_sales_table_pair_is_left_to_the_first_run(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Without rows, the old sales tables go; the first sales run builds them from the spec like any dataset's."""
    engine = at_revision(sqlite_url, "0004")
    upgrade_to_head(engine)
    assert not sa.inspect(engine).has_table("raw_sales")
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("DOCS_DIR", str(tmp_path / "docs"))
    assert run_pipeline(source=str(write_csv(tmp_path / "a.csv", make_frame(3)))).status == "COMPLETED"
    assert len(read_table(sqlite_url, "clean_sales")) == 3
