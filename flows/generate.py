"""Sample sales files with planted defects, and the answer key that says where each defect is.

    python -m flows.generate --rows 5000 --seed 42 --out data/sample_sales.csv

Deterministic for a seed. Every defect is planted on a chosen row and recorded in the answer key
(`<out stem>.answers.json`: defect name -> sorted 1-based data-row numbers), so detection
accuracy can be measured. Rates are shares of all rows; counts are rounded, not sampled.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import numpy as np
import pandas as pd

REGIONS = ("North", "South", "East", "West", "Central")
REGION_WEIGHTS = (0.24, 0.22, 0.18, 0.21, 0.15)
PRODUCT_PRICES = {"Sauces": 120.0, "Ready-to-Eat": 185.0, "Dairy": 64.0, "Snacks": 35.0, "Beverages": 48.0}
COLUMNS = ("order_id", "order_date", "region", "product", "quantity", "revenue")
BAD_REGIONS = ("Nort", "Sooth", "Eastt", "Wset", "Mumbai", "Northeast", "Centre", "N/A")
BAD_PRODUCTS = ("Pickles", "Frozen Foods", "Bakery", "Snack", "Beverage", "Sauce")
BAD_REVENUES = ("N/A", "twelve hundred", "12..50", "#VALUE!", "abc")
BAD_DATE_TEXT = ("not a date", "TBD", "yesterday")


@dataclass(frozen=True)
class DefectRates:
    """Share of all rows that carry each defect (duplicates: half exact copies, half conflicting)."""

    missing_order_date: float = 0.05
    duplicate_order_id: float = 0.02
    negative_revenue: float = 0.015
    malformed_order_date: float = 0.03
    invalid_region: float = 0.01
    invalid_quantity: float = 0.01
    unknown_product: float = 0.005
    missing_order_id: float = 0.001
    non_numeric_revenue: float = 0.001
    large_quantity: float = 0.002

    @classmethod
    def none(cls) -> DefectRates:
        """Rates that plant nothing: a clean file."""
        return cls(**{f.name: 0.0 for f in fields(cls)})


@dataclass(frozen=True)
class GeneratedFile:
    """A generated sales frame and where its defects were planted (1-based data rows)."""

    frame: pd.DataFrame
    answer_key: dict[str, list[int]]


def generate_sales(rows: int, seed: int, rates: DefectRates | None = None) -> GeneratedFile:
    """Build `rows` sales records as text, with defects planted at the given rates."""
    rates = rates or DefectRates()
    rng = np.random.default_rng(seed)
    n_dup = round(rates.duplicate_order_id * rows)
    base_n = rows - n_dup
    base = _clean_base(base_n, rng)
    pool = rng.permutation(base_n)
    originals, rest = pool[:n_dup], pool[n_dup:]
    planted = _plant_value_defects(base, rest, rows, rates, rng)
    n_exact = (n_dup + 1) // 2
    copies = base.iloc[originals].copy()
    conflicting = copies.index[n_exact:]
    quantity = copies.loc[conflicting, "quantity"].astype(int) % 20 + 1
    copies.loc[conflicting, "quantity"] = quantity.astype(str)
    copies.loc[conflicting, "revenue"] = _revenue(copies.loc[conflicting, "product"], quantity, rng)
    frame, position = _interleave(base, copies, originals, rng)
    planted = {name: position[where] for name, where in planted.items()}
    planted["exact_duplicate"] = position[base_n : base_n + n_exact]
    planted["conflicting_duplicate"] = np.concatenate([position[originals[n_exact:]], position[base_n + n_exact :]])
    key = {name: sorted(int(p) + 1 for p in where) for name, where in planted.items() if len(where)}
    return GeneratedFile(frame=frame, answer_key=key)


def _clean_base(n: int, rng: np.random.Generator) -> pd.DataFrame:
    days = rng.integers(0, 366, n)
    dates = (np.datetime64("2024-01-01") + days.astype("timedelta64[D]")).astype(str)
    products = rng.choice(list(PRODUCT_PRICES), n)
    quantity = pd.Series(rng.integers(1, 21, n))
    frame = pd.DataFrame(
        {
            "order_id": [f"ORD-{i:07d}" for i in range(1, n + 1)],
            "order_date": dates,
            "region": rng.choice(REGIONS, n, p=REGION_WEIGHTS),
            "product": products,
            "quantity": quantity.astype(str),
        }
    )
    frame["revenue"] = _revenue(frame["product"], quantity, rng)
    return frame


def _revenue(products: pd.Series, quantity: pd.Series, rng: np.random.Generator) -> np.ndarray:
    unit = products.map(PRODUCT_PRICES).to_numpy(float) * rng.uniform(0.85, 1.15, len(products))
    paise = np.round(unit * quantity.to_numpy(float) * 100).astype(np.int64)
    rupees, cents = pd.Series(paise // 100).astype(str), pd.Series(paise % 100).astype(str).str.zfill(2)
    return (rupees + "." + cents).to_numpy(str)


def _plant_value_defects(
    base: pd.DataFrame, rest: np.ndarray, rows: int, rates: DefectRates, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    def pick(*shares: float) -> list[np.ndarray]:
        counts = [round(s * rows) for s in shares]
        chosen = rng.choice(rest, min(sum(counts), len(rest)), replace=False)
        return np.split(chosen, np.cumsum(counts)[:-1])

    def pick_value(options: tuple[str, ...], n: int) -> np.ndarray:
        return np.asarray(options)[rng.integers(0, len(options), n)]

    missing_date, bad_date = pick(rates.missing_order_date, rates.malformed_order_date)
    negative, non_numeric = pick(rates.negative_revenue, rates.non_numeric_revenue)
    half = rates.invalid_quantity / 2
    non_positive, non_integer, large = pick(half, rates.invalid_quantity - half, rates.large_quantity)
    (bad_region,) = pick(rates.invalid_region)
    (bad_product,) = pick(rates.unknown_product)
    (missing_id,) = pick(rates.missing_order_id)

    # base has a RangeIndex, so .loc with positions addresses the chosen rows
    base.loc[missing_date, "order_date"] = ""
    base.loc[bad_date, "order_date"] = _malformed_dates(base["order_date"].iloc[bad_date], rng)
    base.loc[non_numeric, "revenue"] = pick_value(BAD_REVENUES, len(non_numeric))
    qty = base["quantity"].iloc[non_positive]
    base.loc[non_positive, "quantity"] = np.where(rng.random(len(qty)) < 0.3, "0", "-" + qty)
    base.loc[non_integer, "quantity"] = np.where(
        rng.random(len(non_integer)) < 0.5, base["quantity"].iloc[non_integer] + ".5", "three"
    )
    big = pd.Series(rng.integers(1000, 5001, len(large)))
    base.loc[large, "quantity"] = big.astype(str).to_numpy()
    base.loc[large, "revenue"] = _revenue(base["product"].iloc[large].reset_index(drop=True), big, rng)
    base.loc[negative, "revenue"] = "-" + base["revenue"].iloc[negative]
    base.loc[bad_region, "region"] = pick_value(BAD_REGIONS, len(bad_region))
    base.loc[bad_product, "product"] = pick_value(BAD_PRODUCTS, len(bad_product))
    base.loc[missing_id, "order_id"] = ""
    return {
        "missing_order_date": missing_date,
        "malformed_order_date": bad_date,
        "negative_revenue": negative,
        "non_numeric_revenue": non_numeric,
        "non_positive_quantity": non_positive,
        "non_integer_quantity": non_integer,
        "large_quantity": large,
        "invalid_region": bad_region,
        "unknown_product": bad_product,
        "missing_order_id": missing_id,
    }


def _malformed_dates(dates: pd.Series, rng: np.random.Generator) -> np.ndarray:
    y, m, d = dates.str.slice(0, 4), dates.str.slice(5, 7), dates.str.slice(8, 10)
    variants = np.stack(
        [
            (d + "/" + m + "/" + y).to_numpy(str),  # 25/12/2024
            (y + "-13-" + d).to_numpy(str),  # month 13
            (y + "-02-30").to_numpy(str),  # impossible day
            (y + "/" + m + "/" + d).to_numpy(str),  # wrong separator
            np.asarray(BAD_DATE_TEXT)[rng.integers(0, len(BAD_DATE_TEXT), len(dates))],
        ]
    )
    return variants[rng.integers(0, len(variants), len(dates)), np.arange(len(dates))]


def _interleave(
    base: pd.DataFrame, copies: pd.DataFrame, originals: np.ndarray, rng: np.random.Generator
) -> tuple[pd.DataFrame, np.ndarray]:
    """Place each copy at a random position after its original; return frame and positions."""
    base_n = len(base)
    after = originals + 0.5 + rng.random(len(originals)) * (base_n - 1 - originals)
    sort_key = np.concatenate([np.arange(base_n, dtype=float), after])
    order = np.argsort(sort_key, kind="stable")
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    frame = pd.concat([base, copies], ignore_index=True).iloc[order].reset_index(drop=True)
    return frame, position


def answer_key_path(csv_path: Path) -> Path:
    """Where the answer key for a generated CSV lives."""
    return csv_path.with_name(csv_path.stem + ".answers.json")


def write_generated(
    generated: GeneratedFile, out: Path, seed: int, rates: DefectRates, key_path: Path | None = None
) -> Path:
    """Write the CSV (atomically: a pickup never sees half a file) and its answer key; return the key's path."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    generated.frame.to_csv(partial, index=False)
    partial.replace(out)
    key = {"source": out.name, "seed": seed, "rows": len(generated.frame), "rates": asdict(rates)}
    key["defects"] = generated.answer_key
    key_path = key_path or answer_key_path(out)
    key_path.parent.mkdir(parents=True, exist_ok=True)
    key_path.write_text(json.dumps(key, indent=1) + "\n", encoding="utf-8")
    return key_path


def _parse_rates(items: list[str]) -> DefectRates:
    rates = DefectRates()
    for item in items:
        name, _, value = item.partition("=")
        if name not in {f.name for f in fields(DefectRates)}:
            raise SystemExit(f"unknown defect rate {name!r}; known: {[f.name for f in fields(DefectRates)]}")
        rates = replace(rates, **{name: float(value)})
    return rates


def main(argv: list[str] | None = None) -> None:
    """Command line: generate one sample file and its answer key."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--seed", type=int, help="default 42; with --incoming, a new seed per drop")
    parser.add_argument("--out", type=Path, default=Path("data/sample_sales.csv"))
    parser.add_argument(
        "--incoming",
        type=Path,
        metavar="DIR",
        help="drop a new timestamped file into DIR (e.g. data/incoming) instead of --out; key in DIR/../answer_keys",
    )
    parser.add_argument("--rate", action="append", default=[], metavar="NAME=SHARE", help="override a defect rate")
    parser.add_argument("--clean", action="store_true", help="plant no defects at all")
    args = parser.parse_args(argv)
    rates = DefectRates.none() if args.clean else _parse_rates(args.rate)
    out, key_path, seed = args.out, None, 42 if args.seed is None else args.seed
    if args.incoming:
        now = dt.datetime.now(dt.UTC)
        out = args.incoming / f"sales_{now:%Y%m%dT%H%M%S%fZ}.csv"
        key_path = args.incoming.parent / "answer_keys" / answer_key_path(out).name
        # Each demo drop is a new file unless a seed is given (the same content would be skipped as a re-drop).
        seed = int(now.timestamp() * 1e6) % 2**32 if args.seed is None else args.seed
    generated = generate_sales(args.rows, seed, rates)
    key = write_generated(generated, out, seed, rates, key_path)
    planted = sum(len(v) for v in generated.answer_key.values())
    print(f"wrote {len(generated.frame):,} rows to {out} (seed {seed}, {planted:,} planted defects; answer key {key})")


if __name__ == "__main__":
    main()
