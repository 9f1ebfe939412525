"""The dashboard's write path and what it reads afterwards, on SQLite and PostgreSQL: `flows.steward` applies one
action as a named user through the writer connection; the dashboard's cached reader and DataStore show a
replay made anywhere (here, by the command line) once the run list is re-read."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from flows.exceptions import main
from flows.pipeline import run_pipeline
from flows.settings import get_settings
from flows.steward import Steward, StewardError
from flows.storage.read import ExceptionFilter
from panel_app.data_store import DataStore
from panel_app.reader import Reader
from tests.conftest import ROOT
from tests.factories import make_frame, write_csv
from tests.integration.helpers import read_table

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _run_with_bad_region(path: Path) -> str:
    """A run of 4 good rows and one whose region is spelled in lower case (revenue 500.00)."""
    frame = make_frame(4, rows=[{"region": "north", "revenue": "500.00", "quantity": "5"}])
    summary = run_pipeline(source=str(write_csv(path, frame)))
    assert summary.exception_count == 1
    return summary.run_id


def _revenue(grain: pd.DataFrame) -> Decimal:
    return Decimal(str(round(float(grain["revenue"].sum()), 2))).quantize(Decimal("0.01"))


def test_a_replay_from_the_command_line_shows_in_the_dashboard_after_the_run_list_is_reread(
    pipeline_env: str, tmp_path: Path
) -> None:
    """Cached results of a COMPLETED run were served after a replay promoted a row: now the revision moves them."""
    run_id = _run_with_bad_region(tmp_path / "day.csv")
    reader = Reader(pipeline_env, "sales", ROOT / "expectations")
    store = DataStore(reader)
    revenue_before, revision_before = _revenue(store.grain), store.revision
    assert reader.exception_page(run_id, ExceptionFilter(), 1, 10)[0]["status"].tolist() == ["OPEN"]

    assert main(["export", "--run", run_id, "--out", str(tmp_path / "t.csv")]) == 0
    template = pd.read_csv(tmp_path / "t.csv", dtype=str, keep_default_na=False)
    template.loc[0, ["action", "note", "region"]] = ["correct", "capital N", "North"]
    template.to_csv(tmp_path / "fix.csv", index=False)
    assert main(["apply", str(tmp_path / "fix.csv"), "--user", "meera"]) == 0

    store.reload()  # what "Reload runs" does, and what LIST_TTL_S does by itself
    assert reader.exception_page(run_id, ExceptionFilter(), 1, 10)[0]["status"].tolist() == ["PROMOTED"]
    assert store.revision == revision_before + 1
    assert _revenue(store.grain) == revenue_before + Decimal("500.00")
    clean = read_table(pipeline_env, "clean_sales", run_id)
    assert _revenue(store.grain) == Decimal(str(round(clean["revenue"].astype(float).sum(), 2)))


def test_a_steward_action_lands_with_the_user_and_the_submitted_file_is_kept(
    pipeline_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One correction through the writer: promoted, the event names the user, a second steward is refused."""
    run_id = _run_with_bad_region(tmp_path / "day.csv")
    assert Steward.from_settings(get_settings()) is None  # no STEWARD_DATABASE_URL: no writer, read-only
    monkeypatch.setenv("STEWARD_DATABASE_URL", pipeline_env)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    steward = Steward.from_settings(get_settings())
    assert steward is not None
    exception_id = int(read_table(pipeline_env, "exceptions", run_id)["id"].iloc[0])

    done = steward.act("sales", "asha", exception_id, "correct", "capital N", {"region": "North"})
    assert (done.status, done.promoted, done.refused) == ("APPLIED", 1, ())
    late = steward.act("sales", "ravi", exception_id, "dismiss", "junk")
    assert late.applied == 0 and "PROMOTED" in late.refused[0].reason  # the second steward is told
    assert steward.act("sales", "asha", exception_id, "reopen", "ravi thinks it is junk").reopened == 1
    again = steward.act("sales", "ravi", exception_id, "dismiss", "junk")  # the same bytes as the refused one
    assert (again.status, again.dismissed) == ("APPLIED", 1)

    events = read_table(pipeline_env, "exception_events")
    assert events[["exception_id", "action", "user_name", "status_after"]].values.tolist() == [
        [exception_id, "correct", "asha", "PROMOTED"],
        [exception_id, "reopen", "asha", "OPEN"],
        [exception_id, "dismiss", "ravi", "DISMISSED"],
    ]
    kept = sorted(p.name for p in (tmp_path / "data" / "corrections" / "dashboard").iterdir())
    assert len(kept) == 4 and "asha-correct" in kept[0] and "ravi-dismiss" in kept[1]
    promoted = read_table(pipeline_env, "clean_sales", run_id).dropna(subset=["promoted_from_exception_id"])
    assert promoted.empty  # reopened, then dismissed: out of the clean table again


def test_a_failing_writer_says_why_in_one_masked_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer that cannot connect: StewardError with the reason, the password masked, nothing written."""
    secret = "Hunter2-steward-pw"
    steward = Steward(
        url=f"postgresql://steward:{secret}@127.0.0.1:1/nowhere",
        expectations_dir=ROOT / "expectations",
        folder=tmp_path / "kept",
        docs_root=tmp_path / "docs",
    )
    with pytest.raises(StewardError) as raised:
        steward.act("sales", "asha", 1, "dismiss", "junk")
    assert secret not in str(raised.value) and "OperationalError" in str(raised.value)


def test_a_correction_to_a_key_a_clean_row_already_has_stays_open_as_a_duplicate(
    pipeline_env: str, tmp_path: Path
) -> None:
    """Correcting the order id to one the run's clean rows use leaves the row OPEN, saying why; a free id promotes."""
    run_id = _run_with_bad_region(tmp_path / "day.csv")
    steward = Steward(pipeline_env, ROOT / "expectations", tmp_path / "kept", tmp_path / "docs")
    exception_id = int(read_table(pipeline_env, "exceptions", run_id)["id"].iloc[0])
    taken = steward.act(
        "sales", "asha", exception_id, "correct", "retyped", {"region": "North", "order_id": "ORD-0000002"}
    )
    assert (taken.promoted, taken.still_open) == (0, 1)
    (event,) = read_table(pipeline_env, "exception_events").to_dict("records")
    assert "order_id_unique" in str(event["findings"]) and "already used by a clean record" in str(event["findings"])
    free = steward.act("sales", "asha", exception_id, "correct", "its own id", {"region": "North"})
    assert free.promoted == 1


def test_an_uploaded_corrections_file_is_applied_as_the_signed_in_user(pipeline_env: str, tmp_path: Path) -> None:
    """The dashboard's upload: the template downloaded from the card, filled, uploaded; the good line lands with
    the user's name, the bad one is listed with its reason, and the cards re-read."""
    from panel_app.access import StewardAccess
    from panel_app.views.corrections import CorrectionsFiles

    run_id = _run_with_bad_region(tmp_path / "day.csv")
    steward = Steward(pipeline_env, ROOT / "expectations", tmp_path / "kept", tmp_path / "docs")
    store = DataStore(Reader(pipeline_env, "sales", ROOT / "expectations"))
    card = CorrectionsFiles(store=store, access=StewardAccess(steward, "meera"))
    template = pd.read_csv(card.template(), dtype=str, keep_default_na=False)
    assert len(template) == 1 and template["region"].tolist() == ["north"]
    template.loc[0, ["action", "note", "region"]] = ["correct", "capital N", "North"]
    bad = pd.DataFrame([{"exception_id": "424242", "action": "dismiss", "note": "gone"}], columns=template.columns)
    filled = pd.concat([template, bad.astype(object).fillna("")], ignore_index=True)
    card.upload.param.update(value=filled.to_csv(index=False).encode(), filename="fixes.csv")
    revision = store.revision
    card.apply_upload()
    said = card.message.object
    assert "promoted 1" in said and "line 3 (exception 424242): unknown exception id 424242" in said
    assert store.revision == revision + 1
    events = read_table(pipeline_env, "exception_events", run_id)
    assert events[["action", "user_name"]].values.tolist() == [["correct", "meera"]]
    assert any(p.name.endswith("meera-fixes.csv") for p in (tmp_path / "kept").iterdir())


def test_a_promoted_row_outside_the_run_s_dates_shows_in_the_dashboard_at_once(
    pipeline_env: str, tmp_path: Path
) -> None:
    """All clean rows are dated 2024-03-15; a corrected date of 2024-12-31 widens the date range the cards show,
    so the promoted row's revenue is in the figures right after the action (it was filtered out)."""
    frame = make_frame(3, rows=[{"order_date": "31/12/2024", "revenue": "250.00"}])
    run_id = run_pipeline(source=str(write_csv(tmp_path / "day.csv", frame))).run_id
    store = DataStore(Reader(pipeline_env, "sales", ROOT / "expectations"))
    assert store.date_range is not None and str(store.date_range[1]) == "2024-03-15"
    before = _revenue(store.grain)
    steward = Steward(pipeline_env, ROOT / "expectations", tmp_path / "kept", tmp_path / "docs")
    exception_id = int(read_table(pipeline_env, "exceptions", run_id)["id"].iloc[0])
    assert steward.act("sales", "asha", exception_id, "correct", "ISO date", {"order_date": "2024-12-31"}).promoted == 1
    store.results_changed()  # what the card does after an action
    assert store.date_range is not None and str(store.date_range[1]) == "2024-12-31"
    assert _revenue(store.grain) == before + Decimal("250.00")
