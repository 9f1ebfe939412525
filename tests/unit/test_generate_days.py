"""Tests for the daily files of the sales ledger: ids across days, the ledger key, and the expected ledger."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pandas as pd
import pytest

from flows.generate import (
    COLUMNS,
    PRODUCT_PRICES,
    REGIONS,
    DailyFile,
    DefectRates,
    LedgerEntry,
    Overlap,
    Policy,
    answer_key_path,
    expected_ledger,
    generate_days,
)
from flows.generate.cli import main
from flows.generate.days import WARNINGS_ONLY

DAYS, ROWS, SEED = 3, 600, 7


@pytest.fixture(scope="module")
def files() -> list[DailyFile]:
    """Three default-rate daily files with the default overlap, shared by the read-only tests."""
    return generate_days(DAYS, ROWS, SEED)


def _numbers(frame: pd.DataFrame, rows: list[int]) -> list[int]:
    """The order numbers (ORD-0000123 -> 123) of the given 1-based rows that have an order id."""
    ids = frame["order_id"].iloc[[r - 1 for r in rows]]
    return [int(i[4:]) for i in ids if i]


def _row(f: DailyFile, row: int) -> pd.Series:
    """The data row at a 1-based position of a daily file."""
    return f.frame.iloc[row - 1]


def _listed(f: DailyFile) -> set[int]:
    """Every row the file's answer key lists, whatever the defect."""
    return {r for rows in f.answer_key.values() for r in rows}


def test_new_order_ids_continue_across_days() -> None:
    """It numbers each day's new orders straight on from the day before, day 1 from `first_order`."""
    files = generate_days(DAYS, 200, SEED, rates=DefectRates.none(), first_order=101)
    expected_first = 101
    for f in files:
        numbers = sorted(_numbers(f.frame, f.new_rows))
        assert numbers == list(range(expected_first, expected_first + len(f.new_rows))), f.day
        expected_first = numbers[-1] + 1


def test_new_order_ids_never_reach_back_with_defects(files: list[DailyFile]) -> None:
    """It gives every new order of a day a higher number than any order of an earlier day, defects planted or not."""
    for earlier, later in itertools.pairwise(files):
        assert min(_numbers(later.frame, later.new_rows)) > max(_numbers(earlier.frame, earlier.new_rows))


def test_new_orders_are_dated_on_their_day(files: list[DailyFile]) -> None:
    """It dates each valid new order of day k on 2024-01-01 + (k - 1) days."""
    for f in files:
        bad = set(f.answer_key.get("missing_order_date", []) + f.answer_key.get("malformed_order_date", []))
        dates = {_row(f, r)["order_date"] for r in f.new_rows if r not in bad}
        assert dates == {f"2024-01-{f.day:02d}"}


def test_rows_are_new_or_in_the_ledger_key(files: list[DailyFile]) -> None:
    """It lists every row exactly once: as new to the ledger or as a repeat in the ledger key."""
    for f in files:
        repeated = [e.row for e in f.ledger_key]
        assert sorted(repeated + f.new_rows) == list(range(1, ROWS + 1))
        assert repeated == sorted(repeated) and f.new_rows == sorted(f.new_rows)
        assert not _listed(f) & set(repeated)  # a repeat carries no planted defect


def test_overlap_counts_are_rounded_shares(files: list[DailyFile]) -> None:
    """It repeats no order on day 1, and round(share × rows) resent and changed orders on each later day."""
    overlap = Overlap()
    assert files[0].ledger_key == []
    for f in files[1:]:
        kinds = [e.kind for e in f.ledger_key]
        assert kinds.count("resent") == round(overlap.resent * ROWS)
        assert kinds.count("changed") == round(overlap.changed * ROWS)


def test_repeats_point_at_an_earlier_clean_new_order(files: list[DailyFile]) -> None:
    """It repeats only an earlier day's new row with no planted defect, whose id is once in its file, at most once."""
    originals = [(e.day, e.row_in_day) for f in files for e in f.ledger_key]
    assert len(originals) == len(set(originals))
    for f in files:
        for entry in f.ledger_key:
            assert entry.day < f.day
            earlier = files[entry.day - 1]
            assert entry.row_in_day in earlier.new_rows and entry.row_in_day not in _listed(earlier)
            assert (earlier.frame["order_id"] == _row(earlier, entry.row_in_day)["order_id"]).sum() == 1


def test_resent_rows_equal_their_original(files: list[DailyFile]) -> None:
    """It makes each resent row equal to its earlier row, cell for cell."""
    for f in files:
        for e in (e for e in f.ledger_key if e.kind == "resent"):
            assert list(_row(f, e.row)) == list(_row(files[e.day - 1], e.row_in_day))


def test_changed_rows_keep_the_order_and_change_quantity_and_revenue(files: list[DailyFile]) -> None:
    """It keeps a changed row's order id, date, region and product, with another quantity and a priced revenue."""
    for f in files:
        for e in (e for e in f.ledger_key if e.kind == "changed"):
            row, original = _row(f, e.row), _row(files[e.day - 1], e.row_in_day)
            same = ["order_id", "order_date", "region", "product"]
            assert list(row[same]) == list(original[same])
            assert row["quantity"] != original["quantity"] and 1 <= int(row["quantity"]) <= 20
            unit = float(row["revenue"]) / int(row["quantity"])
            price = PRODUCT_PRICES[row["product"]]
            assert price * 0.85 - 0.01 <= unit <= price * 1.15 + 0.01


def test_no_order_id_repeats_across_days_outside_the_ledger_key(files: list[DailyFile]) -> None:
    """It repeats an order id of an earlier day only on the rows the ledger key lists, pointing at that row."""
    first_seen: dict[str, tuple[int, int]] = {}
    for f in files:
        entries = {e.row: e for e in f.ledger_key}
        for row, order_id in enumerate(f.frame["order_id"], start=1):
            if order_id == "":
                continue
            seen = first_seen.get(order_id)
            if seen is None or seen[0] == f.day:  # new, or a within-file duplicate
                assert row not in entries
                first_seen.setdefault(order_id, (f.day, row))
            else:
                assert (entries[row].day, entries[row].row_in_day) == seen


def test_within_day_defects_are_planted_on_new_rows(files: list[DailyFile]) -> None:
    """It plants the within-file defects of generate_sales on each day's new rows, where the answer key says."""
    for f in files:
        assert all(_row(f, r)["region"] not in REGIONS for r in f.answer_key["invalid_region"])
        assert all(_row(f, r)["revenue"].startswith("-") for r in f.answer_key["negative_revenue"])
        for copy in f.answer_key["exact_duplicate"]:
            same = f.frame.index[f.frame["order_id"] == _row(f, copy)["order_id"]] + 1
            assert len(same) == 2 and same[1] == copy and _row(f, same[0]).equals(_row(f, copy))


def test_clean_rates_plant_nothing() -> None:
    """It writes empty answer keys when every defect rate is zero, and still repeats orders."""
    files = generate_days(2, 200, SEED, rates=DefectRates.none())
    assert [f.answer_key for f in files] == [{}, {}]
    assert len(files[1].ledger_key) == round(0.08 * 200)


def test_deterministic_for_a_seed() -> None:
    """It produces the same files and keys twice for the same seed, and other files for another seed."""
    first, second, other = generate_days(2, 300, 5), generate_days(2, 300, 5), generate_days(2, 300, 6)
    for a, b in zip(first, second, strict=True):
        pd.testing.assert_frame_equal(a.frame, b.frame)
        assert (a.answer_key, a.ledger_key, a.new_rows) == (b.answer_key, b.ledger_key, b.new_rows)
    assert not first[1].frame.equals(other[1].frame)


def test_zero_overlap_gives_disjoint_files() -> None:
    """It shares no order id between days and lists every row as new when the overlap is zero."""
    files = generate_days(DAYS, 300, SEED, overlap=Overlap.none())
    ids = [set(f.frame["order_id"]) - {""} for f in files]
    assert all(not ids[i] & ids[j] for i in range(DAYS) for j in range(i + 1, DAYS))
    assert all(f.ledger_key == [] and f.new_rows == list(range(1, 301)) for f in files)


def _file(day: int, rows: list[tuple[str, str, str]], listed: list[int] | None = None) -> DailyFile:
    """A hand-made daily file from (order_id, quantity, revenue) rows; `listed` rows carry a planted defect."""
    frame = pd.DataFrame([(i, "2024-01-01", "North", "Snacks", q, r) for i, q, r in rows], columns=list(COLUMNS))
    return DailyFile(day, frame, {"invalid_region": listed} if listed else {}, [], list(range(1, len(rows) + 1)))


TINY = [
    _file(1, [("A", "1", "10.00"), ("B", "2", "20.00"), ("C", "3", "-30.00")], listed=[3]),
    _file(2, [("A", "1", "10.00"), ("B", "5", "50.00"), ("D", "4", "40.00"), ("C", "3", "30.00")]),
]


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("supersede", [("A", "10.00", 1, 1), ("B", "50.00", 2, 2), ("C", "30.00", 2, 4), ("D", "40.00", 2, 3)]),
        ("quarantine", [("A", "10.00", 1, 1), ("B", "20.00", 1, 2), ("C", "30.00", 2, 4), ("D", "40.00", 2, 3)]),
    ],
)
def test_expected_ledger_on_a_hand_checked_case(policy: Policy, expected: list[tuple[str, str, int, int]]) -> None:
    """It keeps a resent order once, lets a change win only under supersede, and skips defective rows."""
    ledger = expected_ledger(TINY, policy)
    assert list(ledger.columns) == [*COLUMNS, "day", "row"]
    assert list(ledger[["order_id", "revenue", "day", "row"]].itertuples(index=False, name=None)) == expected


def test_expected_ledger_matches_the_ledger_key(files: list[DailyFile]) -> None:
    """It holds each clean new order once (a warning-only row is clean): its changed content under supersede, its
    original under quarantine."""
    errors = {
        f.day: {r for name, rows in f.answer_key.items() if name not in WARNINGS_ONLY for r in rows} for f in files
    }
    clean_new = sum(len(set(f.new_rows) - errors[f.day]) for f in files)  # a row with only a warning is clean
    supersede, quarantine = expected_ledger(files, "supersede"), expected_ledger(files, "quarantine")
    assert len(supersede) == len(quarantine) == clean_new
    assert supersede["order_id"].is_unique
    changed = {(f.day, e.row) for f in files for e in f.ledger_key if e.kind == "changed"}
    sources = set(zip(supersede["day"], supersede["row"], strict=True))
    assert changed <= sources and not changed & set(zip(quarantine["day"], quarantine["row"], strict=True))
    resent = {(f.day, e.row) for f in files for e in f.ledger_key if e.kind == "resent"}
    assert not resent & sources


def test_cli_days_writes_daily_files_and_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It writes sales_day_NN.csv and an answer key with the defects and the ledger key for each day."""
    main(["--days", "2", "--rows", "100", "--seed", "3", "--out", str(tmp_path)])
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "sales_day_01.answers.json",
        "sales_day_01.csv",
        "sales_day_02.answers.json",
        "sales_day_02.csv",
    ]
    generated = generate_days(2, 100, 3)
    for f in generated:
        csv = tmp_path / f"sales_day_{f.day:02d}.csv"
        pd.testing.assert_frame_equal(pd.read_csv(csv, dtype=str, keep_default_na=False), f.frame)
        key = json.loads(answer_key_path(csv).read_text(encoding="utf-8"))
        assert (key["day"], key["seed"], key["rows"], key["defects"]) == (f.day, 3, 100, f.answer_key)
        assert [LedgerEntry(**e) for e in key["ledger"]] == f.ledger_key and key["new_rows"] == f.new_rows
    assert "5 resent, 3 changed" in capsys.readouterr().out


def test_repeats_fewer_orders_when_few_are_left() -> None:
    """It repeats only the orders not repeated before, filling the day with new orders when they run short."""
    files = generate_days(3, 10, SEED, overlap=Overlap(0.5, 0.4), rates=DefectRates.none())
    assert [len(f.ledger_key) for f in files] == [0, 9, 2]
    assert [len(f.frame) for f in files] == [10, 10, 10]
    assert [e.kind for e in files[2].ledger_key] == ["resent", "resent"]


@pytest.mark.parametrize("overlap", [Overlap(0.6, 0.4), Overlap(-0.1, 0.0)])
def test_refuses_overlap_shares_that_leave_no_new_orders(overlap: Overlap) -> None:
    """It refuses negative overlap shares, or shares that add up to the whole day."""
    with pytest.raises(ValueError, match="overlap shares"):
        generate_days(2, 100, SEED, overlap=overlap)


def test_cli_days_refuses_incoming(tmp_path: Path) -> None:
    """It exits when --days is combined with --incoming, which drops a single file."""
    with pytest.raises(SystemExit, match="--days"):
        main(["--days", "2", "--incoming", str(tmp_path)])
