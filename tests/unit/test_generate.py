"""Tests for the sample-data generator and its answer key."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import fields, replace
from pathlib import Path

import pandas as pd
import pytest

from flows.generate import (
    COLUMNS,
    PRODUCT_PRICES,
    REGIONS,
    DefectRates,
    GeneratedFile,
    answer_key_path,
    generate_sales,
    write_generated,
)
from flows.generate.cli import main

ROWS = 1000
EXPECTATIONS = Path(__file__).resolve().parents[2] / "expectations"
SEED = 42
RowCheck = Callable[[pd.Series], bool]


def _is_iso_date(text: str) -> bool:
    """True for a real calendar date written as YYYY-MM-DD."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


# How each planted defect shows in the row it was planted on.
DEFECT_CHECKS: dict[str, RowCheck] = {
    "missing_order_date": lambda r: r["order_date"] == "",
    "malformed_order_date": lambda r: r["order_date"] != "" and not _is_iso_date(r["order_date"]),
    "negative_revenue": lambda r: r["revenue"].startswith("-"),
    "non_numeric_revenue": lambda r: re.fullmatch(r"-?\d+(\.\d{1,2})?", r["revenue"]) is None,
    "non_positive_quantity": lambda r: re.fullmatch(r"-\d+|0", r["quantity"]) is not None,
    "non_integer_quantity": lambda r: re.fullmatch(r"-?\d+", r["quantity"]) is None,
    "large_quantity": lambda r: r["quantity"].isdigit() and int(r["quantity"]) >= 1000,
    "invalid_region": lambda r: r["region"] not in REGIONS,
    "unknown_product": lambda r: r["product"] not in PRODUCT_PRICES,
    "missing_order_id": lambda r: r["order_id"] == "",
}
# Planted value defects and the DefectRates field whose share sets their count.
VALUE_DEFECT_SHARES: dict[str, Callable[[DefectRates], float]] = {
    "missing_order_date": lambda r: r.missing_order_date,
    "malformed_order_date": lambda r: r.malformed_order_date,
    "negative_revenue": lambda r: r.negative_revenue,
    "non_numeric_revenue": lambda r: r.non_numeric_revenue,
    "non_positive_quantity": lambda r: r.invalid_quantity / 2,
    "non_integer_quantity": lambda r: r.invalid_quantity - r.invalid_quantity / 2,
    "large_quantity": lambda r: r.large_quantity,
    "invalid_region": lambda r: r.invalid_region,
    "unknown_product": lambda r: r.unknown_product,
    "missing_order_id": lambda r: r.missing_order_id,
}


def _is_valid_row(row: pd.Series) -> bool:
    """True when a row carries none of the value defects and a quantity in the generator's 1..20 range."""
    return not any(check(row) for check in DEFECT_CHECKS.values()) and 1 <= int(row["quantity"]) <= 20


def _row(generated: GeneratedFile, position: int) -> pd.Series:
    """The data row at a 1-based answer-key position."""
    return generated.frame.iloc[position - 1]


@pytest.fixture(scope="module")
def generated() -> GeneratedFile:
    """One default-rate file, shared by the read-only tests of this module."""
    return generate_sales(ROWS, SEED)


def test_row_count_and_columns(generated: GeneratedFile) -> None:
    """It produces exactly the requested rows, with the source columns in order, all as text."""
    assert len(generated.frame) == ROWS
    assert list(generated.frame.columns) == list(COLUMNS)
    assert all(pd.api.types.is_string_dtype(generated.frame[c]) for c in COLUMNS)


def test_deterministic_for_a_seed() -> None:
    """It produces the same file and answer key twice for the same seed."""
    first, second = generate_sales(300, 7), generate_sales(300, 7)
    pd.testing.assert_frame_equal(first.frame, second.frame)
    assert first.answer_key == second.answer_key


# sha256 of generate_sales(ROWS, SEED).frame as CSV, as generated before `first_order` existed.
DEFAULT_FILE_SHA256 = "f8065129706526f77997b7c2ca9496329bcb95af53098a2852c4e7d7472d314c"


def test_default_first_order_keeps_the_file_byte_identical(generated: GeneratedFile) -> None:
    """It writes the very bytes it wrote before `first_order` existed when the ids start at 1, the default."""
    text = generated.frame.to_csv(index=False).encode()
    assert hashlib.sha256(text).hexdigest() == DEFAULT_FILE_SHA256
    assert generate_sales(ROWS, SEED, first_order=1).frame.to_csv(index=False).encode() == text


def _shift_ids(frame: pd.DataFrame, by: int) -> pd.DataFrame:
    has_id = frame["order_id"] != ""
    numbers = frame.loc[has_id, "order_id"].str.slice(4).astype(int) + by
    return frame.assign(order_id=frame["order_id"].mask(has_id, numbers.map(lambda n: f"ORD-{n:07d}")))


def test_first_order_shifts_only_the_order_ids(generated: GeneratedFile) -> None:
    """It numbers the orders from ORD-{first_order:07d} and changes nothing else: values, defects, copies."""
    shifted = generate_sales(ROWS, SEED, first_order=9_001)
    assert shifted.answer_key == generated.answer_key
    pd.testing.assert_frame_equal(shifted.frame, _shift_ids(generated.frame, 9_000))
    assert shifted.undamaged is not None and generated.undamaged is not None
    pd.testing.assert_frame_equal(shifted.undamaged, _shift_ids(generated.undamaged, 9_000))
    numbers = shifted.frame["order_id"][shifted.frame["order_id"] != ""].str.slice(4).astype(int)
    assert numbers.min() == 9_001 and not set(numbers) & set(range(1, ROWS + 1))


def test_different_seed_different_file() -> None:
    """It produces a different file for a different seed."""
    assert not generate_sales(300, 7).frame.equals(generate_sales(300, 8).frame)


def test_clean_rates_plant_nothing() -> None:
    """It writes an empty answer key and only valid rows with unique order ids when every rate is zero."""
    clean = generate_sales(500, SEED, DefectRates.none())
    assert clean.answer_key == {}
    assert clean.frame["order_id"].is_unique
    assert all(_is_valid_row(row) for _, row in clean.frame.iterrows())


def test_answer_key_rows_are_sorted_one_based_positions(generated: GeneratedFile) -> None:
    """It lists each defect's rows as sorted, distinct 1-based positions inside the file."""
    for rows in generated.answer_key.values():
        assert rows == sorted(set(rows))
        assert rows[0] >= 1 and rows[-1] <= ROWS


@pytest.mark.parametrize("defect", sorted(DEFECT_CHECKS))
def test_answer_key_points_at_the_defect(generated: GeneratedFile, defect: str) -> None:
    """It records each planted value defect on a row that really carries it."""
    rows = generated.answer_key[defect]
    assert rows
    assert all(DEFECT_CHECKS[defect](_row(generated, p)) for p in rows)


@pytest.mark.parametrize("rows", [200, 777, 1000])
def test_counts_are_rounded_shares(rows: int) -> None:
    """It plants round(share × rows) of each value defect, not a sampled count."""
    rates = DefectRates()
    key = generate_sales(rows, SEED, rates).answer_key
    for defect, share in VALUE_DEFECT_SHARES.items():
        assert len(key.get(defect, [])) == round(share(rates) * rows), defect


def test_duplicate_counts_split_exact_and_conflicting(generated: GeneratedFile) -> None:
    """It plants round(share × rows) duplicate copies: half exact, the rest conflicting (copy and original listed)."""
    n_dup = round(DefectRates().duplicate_order_id * ROWS)
    n_exact = (n_dup + 1) // 2
    assert len(generated.answer_key["exact_duplicate"]) == n_exact
    assert len(generated.answer_key["conflicting_duplicate"]) == 2 * (n_dup - n_exact)


def test_rows_outside_the_answer_key_are_valid(generated: GeneratedFile) -> None:
    """It leaves every row that the answer key does not list free of value defects."""
    listed = {p for rows in generated.answer_key.values() for p in rows}
    unlisted = [p for p in range(1, ROWS + 1) if p not in listed]
    assert all(_is_valid_row(_row(generated, p)) for p in unlisted)


def _breaks_a_suite_rule(row: pd.Series, suite: list[dict]) -> bool:
    """True when the row fails a value rule of the suite JSON (sets and regexes, read as GX applies them)."""
    for expectation in suite:
        kind, kwargs = expectation["type"], expectation["kwargs"]
        cell = row.get(kwargs.get("column"), "")
        if kind == "expect_column_values_to_not_be_null" and cell == "":
            return True
        if kind == "expect_column_values_to_be_in_set" and cell not in kwargs["value_set"]:
            return True
        if kind == "expect_column_values_to_match_regex" and not re.search(kwargs["regex"], cell):
            return True
        if kind == "expect_column_values_to_not_match_regex" and re.search(kwargs["regex"], cell):
            return True
    return False


def test_rows_outside_the_answer_key_pass_the_suite_file_on_disk(generated: GeneratedFile) -> None:
    """It leaves every unlisted row passing each value rule of the suite JSON on disk, not just its own constants."""
    suite = json.loads((EXPECTATIONS / "sales_orders.json").read_text(encoding="utf-8"))["expectations"]
    listed = {p for rows in generated.answer_key.values() for p in rows}
    unlisted = [p for p in range(1, ROWS + 1) if p not in listed]
    assert len(unlisted) > ROWS // 2
    assert [p for p in unlisted if _breaks_a_suite_rule(_row(generated, p), suite)] == []
    planted = generated.answer_key["invalid_region"] + generated.answer_key["negative_revenue"]
    assert all(_breaks_a_suite_rule(_row(generated, p), suite) for p in planted)  # the check can fail


def test_exact_duplicates_repeat_an_earlier_unlisted_row(generated: GeneratedFile) -> None:
    """It places each exact copy after an identical original that is itself not listed as a duplicate."""
    frame = generated.frame
    flagged = set(generated.answer_key["exact_duplicate"]) | set(generated.answer_key["conflicting_duplicate"])
    for position in generated.answer_key["exact_duplicate"]:
        copy = _row(generated, position)
        same_id = frame.index[(frame["order_id"] == copy["order_id"]).to_numpy()] + 1
        assert len(same_id) == 2 and same_id[1] == position
        original = same_id[0]
        assert original not in flagged
        assert _row(generated, original).equals(copy)


def test_conflicting_duplicates_share_an_id_with_different_content(generated: GeneratedFile) -> None:
    """It lists conflicting duplicates in pairs that share an order id but differ in content."""
    listed = generated.frame.iloc[[p - 1 for p in generated.answer_key["conflicting_duplicate"]]]
    for _, pair in listed.groupby("order_id"):
        assert len(pair) == 2
        assert not pair.iloc[0].equals(pair.iloc[1])


def test_only_listed_duplicates_repeat_an_order_id(generated: GeneratedFile) -> None:
    """It repeats an order id only where the answer key lists a duplicate."""
    ids = generated.frame["order_id"]
    repeated = ids[(ids != "") & ids.duplicated(keep=False)]
    exact = generated.answer_key["exact_duplicate"]
    conflicting = generated.answer_key["conflicting_duplicate"]
    assert len(repeated) == 2 * len(exact) + len(conflicting)


def test_clean_revenue_follows_list_price() -> None:
    """It prices a clean row at quantity × its product's list price, within ±15 % and to the paisa."""
    frame = generate_sales(500, SEED, DefectRates.none()).frame
    assert frame["revenue"].str.fullmatch(r"\d+\.\d{2}").all()
    unit = frame["revenue"].astype(float) / frame["quantity"].astype(int)
    price = frame["product"].map(PRODUCT_PRICES)
    assert (unit >= price * 0.85 - 0.01).all() and (unit <= price * 1.15 + 0.01).all()


def test_clean_dates_fall_in_2024() -> None:
    """It dates every clean order on a real day of 2024."""
    dates = generate_sales(500, SEED, DefectRates.none()).frame["order_date"]
    assert dates.map(_is_iso_date).all()
    assert dates.str.startswith("2024-").all()


def test_rates_scale_the_defects() -> None:
    """It plants only the defect whose rate is set when every other rate is zero."""
    rates = replace(DefectRates.none(), invalid_region=0.1)
    assert generate_sales(200, SEED, rates).answer_key.keys() == {"invalid_region"}


def test_write_generated_round_trips(tmp_path: Path) -> None:
    """It writes a CSV that reads back as the same text and an answer key with the run's parameters."""
    generated = generate_sales(100, SEED)
    out = tmp_path / "sales.csv"
    write_generated(generated, out, SEED, DefectRates())
    read_back = pd.read_csv(out, dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(read_back, generated.frame, check_dtype=False)
    key = json.loads(answer_key_path(out).read_text(encoding="utf-8"))
    assert key["defects"] == generated.answer_key
    assert (key["seed"], key["rows"], key["source"]) == (SEED, 100, "sales.csv")
    assert set(key["rates"]) == {f.name for f in fields(DefectRates)}


def test_write_generated_leaves_no_partial_file(tmp_path: Path) -> None:
    """It writes the CSV atomically, leaving no partial file behind, and returns the answer key's path."""
    out = tmp_path / "sales.csv"
    key_path = write_generated(generate_sales(20, SEED), out, SEED, DefectRates())
    assert key_path == answer_key_path(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sales.answers.json", "sales.csv"]


def test_write_generated_key_elsewhere(tmp_path: Path) -> None:
    """It writes the answer key to the path it is given, creating its folder."""
    key_path = tmp_path / "keys" / "k.json"
    returned = write_generated(generate_sales(20, SEED), tmp_path / "in" / "s.csv", SEED, DefectRates(), key_path)
    assert returned == key_path
    assert json.loads(key_path.read_text(encoding="utf-8"))["source"] == "s.csv"
    assert not answer_key_path(tmp_path / "in" / "s.csv").exists()


def test_cli_clean_flag_writes_a_clean_file(tmp_path: Path) -> None:
    """It writes a file with an empty answer key when run with --clean."""
    out = tmp_path / "clean.csv"
    main(["--rows", "50", "--seed", "1", "--out", str(out), "--clean"])
    assert json.loads(answer_key_path(out).read_text(encoding="utf-8"))["defects"] == {}
    assert len(pd.read_csv(out, dtype=str)) == 50


def test_cli_incoming_drops_a_timestamped_file(tmp_path: Path) -> None:
    """It drops a new timestamped CSV into --incoming and keeps its answer key in a sibling answer_keys folder."""
    incoming = tmp_path / "incoming"
    main(["--rows", "20", "--incoming", str(incoming)])
    (csv,) = incoming.iterdir()
    assert re.fullmatch(r"sales_\d{8}T\d{12}Z\.csv", csv.name)
    key = json.loads((tmp_path / "answer_keys" / answer_key_path(csv).name).read_text(encoding="utf-8"))
    assert (key["source"], key["rows"]) == (csv.name, 20)


def test_cli_rejects_an_unknown_rate(tmp_path: Path) -> None:
    """It exits with the known rate names when --rate names an unknown defect."""
    with pytest.raises(SystemExit, match="unknown defect rate 'typo'"):
        main(["--rows", "10", "--out", str(tmp_path / "x.csv"), "--rate", "typo=0.1"])


def test_cli_incoming_drops_differ_unless_seeded(tmp_path: Path) -> None:
    """It gives each --incoming drop new content (so a demo drop is never skipped as a re-drop) unless --seed and
    --first-order are both set (the order ids of a drop otherwise continue after the previous drop's)."""
    incoming = tmp_path / "incoming"
    main(["--rows", "50", "--incoming", str(incoming)])
    main(["--rows", "50", "--incoming", str(incoming)])
    seeded = ["--rows", "50", "--seed", "5", "--first-order", "1", "--incoming", str(tmp_path / "seeded")]
    main(seeded)
    main(seeded)
    first, second = (p.read_bytes() for p in sorted(incoming.glob("*.csv")))
    assert first != second
    seeded_a, seeded_b = (p.read_bytes() for p in sorted((tmp_path / "seeded").glob("*.csv")))
    assert seeded_a == seeded_b


def _order_numbers(csv: Path) -> set[int]:
    ids = pd.read_csv(csv, dtype=str, keep_default_na=False)["order_id"]
    return {int(i[4:]) for i in ids if i}


def test_cli_incoming_drops_have_disjoint_order_ids(tmp_path: Path) -> None:
    """It numbers each --incoming drop's orders after the highest its earlier drops' answer keys record, even with
    the same --seed: drops are different days' files, and a key of a drop made before the keys recorded ids counts
    as ids 1..rows."""
    incoming, keys = tmp_path / "incoming", tmp_path / "answer_keys"
    keys.mkdir()
    (keys / "sales_old.answers.json").write_text(json.dumps({"source": "sales_old.csv", "rows": 30}), encoding="utf-8")
    for _ in range(3):
        main(["--rows", "40", "--seed", "5", "--incoming", str(incoming)])
    drops = sorted(incoming.glob("*.csv"))
    numbers = [_order_numbers(csv) for csv in drops]
    recorded = [json.loads((keys / answer_key_path(csv).name).read_text(encoding="utf-8")) for csv in drops]
    assert [k["first_order"] for k in recorded] == [31, recorded[0]["last_order"] + 1, recorded[1]["last_order"] + 1]
    for ids, key in zip(numbers, recorded, strict=True):
        assert (min(ids), max(ids)) == (key["first_order"], key["last_order"])
    assert not (numbers[0] & numbers[1] or numbers[1] & numbers[2] or numbers[0] & numbers[2])


def test_cli_first_order_numbers_the_file(tmp_path: Path) -> None:
    """It numbers the orders of --out's file (and of --days' first day) from --first-order; it refuses 0."""
    main(["--rows", "40", "--seed", "1", "--first-order", "700", "--out", str(tmp_path / "f.csv")])
    assert min(_order_numbers(tmp_path / "f.csv")) == 700
    main(["--days", "2", "--rows", "40", "--seed", "1", "--first-order", "700", "--out", str(tmp_path / "days")])
    assert min(_order_numbers(tmp_path / "days" / "sales_day_01.csv")) == 700
    with pytest.raises(SystemExit, match="--first-order must be 1 or more"):
        main(["--rows", "10", "--first-order", "0", "--out", str(tmp_path / "x.csv")])
