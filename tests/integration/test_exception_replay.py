"""The exception loop end to end: export a run's open exceptions, fill the template from the generator's
answer key, apply it through the command line (the replay-exceptions flow), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from flows.exceptions import main
from flows.generate import DefectRates, generate_sales
from flows.pipeline import run_pipeline
from tests.integration.helpers import COPIES, fix_every_defect, read_table, scalar

pytestmark = pytest.mark.usefixtures("prefect_harness")
ROWS, SEED = 300, 11
RATES = replace(DefectRates(), large_quantity=0.0)  # a warning leaves its row clean: nothing to correct

SNAPSHOT = ("exceptions", "exception_events", "clean_sales", "analytics_summary")


def _analytics(url: str, run_id: str) -> list[tuple[object, ...]]:
    frame = read_table(url, "analytics_summary", run_id)
    keys = frame[["breakdown", "key_1", "key_2", "key_3", "measure"]].astype(object).where(frame.notna(), None)
    values = [Decimal(str(v)).quantize(Decimal("0.01")) for v in frame["value"]]
    return sorted(zip(*(keys[c] for c in keys.columns), values, strict=True), key=str)


def _snapshot(url: str) -> dict[str, pd.DataFrame]:
    return {t: read_table(url, t).sort_values(read_table(url, t).columns[0]).reset_index(drop=True) for t in SNAPSHOT}


def test_fixing_every_planted_defect_gives_the_clean_twin_analytics(
    pipeline_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It promotes every fixable row with lineage, reconciles each raw record, refuses bad lines, and a second
    replay of the same file changes nothing; the run's analytics then equal the defect-free file's to the paisa."""
    url, generated = pipeline_env, generate_sales(ROWS, SEED, RATES)
    # The twin is the defect-free file of the same orders: only its analytics matter, which no order id enters, so
    # it is numbered after the file's orders (the same values, shifted ids) and repeats none of the file's orders.
    twin_file = generate_sales(ROWS, SEED, RATES, first_order=ROWS + 1)
    assert generated.clean_twin is not None and twin_file.clean_twin is not None
    source, twin = tmp_path / "sales.csv", tmp_path / "twin.csv"
    generated.frame.to_csv(source, index=False)
    twin_file.clean_twin.to_csv(twin, index=False)
    run_id, twin_id = run_pipeline(source=str(source)).run_id, run_pipeline(source=str(twin)).run_id

    template_path = tmp_path / "template.csv"
    assert main(["export", "--run", run_id, "--out", str(template_path)]) == 0
    template = pd.read_csv(template_path, dtype=str, keep_default_na=False)
    exceptions = read_table(url, "exceptions", run_id)
    raw = read_table(url, "raw_sales", run_id).set_index("id")
    rows = pd.Series(raw.loc[exceptions["original_record_id"], "source_row"].to_numpy(), index=exceptions["id"])
    assert len(template) == len(exceptions) and set(template["exception_id"].astype(int)) == set(exceptions["id"])
    filled = fix_every_defect(template, rows, generated)

    # a first file of bad lines: each refused with its reason, the one good line applied (and still failing)
    defects = {p: name for name, where in generated.answer_key.items() for p in where}
    ids: dict[str, list[str]] = {}
    for exception_id in template["exception_id"]:
        ids.setdefault(defects[int(rows[int(exception_id)])], []).append(exception_id)
    dates, copies, negative = ids["malformed_order_date"], ids["exact_duplicate"], ids["negative_revenue"]
    bad = pd.DataFrame(
        [
            {"exception_id": dates[0], "action": "waive", "note": "looks fine to me"},
            {"exception_id": dates[1], "action": "correct", "note": "typo", "order_date": "2024-13-01"},
            {"exception_id": copies[0], "action": "dismiss", "note": ""},
            {"exception_id": negative[0], "action": "correct", "note": "region", "region": "=HYPERLINK(1)"},
            {"exception_id": "99999999", "action": "dismiss", "note": "gone"},
            {"exception_id": copies[1], "action": "waive", "note": "same order twice"},
        ],
        columns=template.columns,
    )
    bad.where(bad.notna(), "").to_csv(tmp_path / "bad.csv", index=False)
    assert main(["apply", str(tmp_path / "bad.csv"), "--user", "asha"]) == 0
    out = capsys.readouterr().out
    assert "applied 1: promoted 0, still open 1, dismissed 0, reopened 0; refused 5" in out
    assert "an exact copy of a kept record cannot be waived" in out
    assert "rule order_date_iso_format is not waivable" in out or "is not waivable" in out
    assert "a note is required" in out and "looks like a spreadsheet formula" in out
    assert "unknown exception id 99999999" in out
    assert scalar(url, "SELECT COUNT(*) FROM exceptions WHERE status <> 'OPEN'") == 0
    (event,) = read_table(url, "exception_events").to_dict("records")
    changed = event["corrected_values"]  # JSON: text on SQLite, already decoded on PostgreSQL
    assert (json.loads(changed) if isinstance(changed, str) else changed) == {"order_date": "2024-13-01"}
    assert main(["list", "--run", run_id, "--status", "open"]) == 0
    assert "still fails: order_date_calendar_date" in capsys.readouterr().out

    good = tmp_path / "corrections.csv"
    filled.to_csv(good, index=False)
    assert main(["apply", str(good), "--user", "asha"]) == 0
    out = capsys.readouterr().out
    fixable = sum(1 for e in template["exception_id"] if defects[int(rows[int(e)])] not in COPIES)
    waived = (filled["action"] == "waive").sum()
    assert f"promoted {fixable + waived}, still open 0" in out and "refused 0" in out
    docs = scalar(url, "SELECT data_docs_path FROM pipeline_runs WHERE source_name = 'corrections.csv'")
    assert docs and Path(str(docs)).is_file() and "corrected rows of run" in Path(str(docs)).read_text(encoding="utf-8")
    assert _analytics(url, run_id) == _analytics(url, twin_id)

    states = read_table(url, "exceptions", run_id).set_index("original_record_id")["status"]
    clean = read_table(url, "clean_sales", run_id).set_index("record_id")
    promoted = clean[clean["promoted_from_exception_id"].notna()]
    for_record = {"clean": set(clean.index) - set(promoted.index), "promoted": set(promoted.index)}
    for status in ("OPEN", "DISMISSED"):
        for_record[status] = set(states[states == status].index)
    assert sum(len(s) for s in for_record.values()) == len(raw) and set().union(*for_record.values()) == set(raw.index)
    assert set(states[states == "PROMOTED"].index) == set(promoted.index)
    events = read_table(url, "exception_events").set_index("id")
    lineage = events.loc[promoted["promotion_event_id"].astype(int)]
    assert lineage["exception_id"].tolist() == promoted["promoted_from_exception_id"].astype(int).tolist()
    assert set(lineage["user_name"]) == {"asha"} and set(lineage["status_after"]) == {"PROMOTED"}
    assert raw.drop(columns="ingestion_timestamp").equals(
        read_table(url, "raw_sales", run_id).set_index("id").drop(columns="ingestion_timestamp")
    )  # the raw rows stay as received

    before = _snapshot(url)
    assert main(["apply", str(good), "--user", "asha"]) == 0
    assert "SKIPPED" in capsys.readouterr().out
    after = _snapshot(url)
    for name in SNAPSHOT:
        pd.testing.assert_frame_equal(before[name], after[name])


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_file_without_the_control_columns_is_refused_as_a_whole(pipeline_env: str, tmp_path: Path) -> None:
    """It exits 2 and records the replay REJECTED when the file is not a corrections file."""
    path = tmp_path / "not_corrections.csv"
    pd.DataFrame({"exception_id": ["1"], "region": ["North"]}).to_csv(path, index=False)
    assert main(["apply", str(path), "--user", "asha", "--dataset", "sales"]) == 2
    assert scalar(pipeline_env, "SELECT status FROM pipeline_runs") == "REJECTED"
