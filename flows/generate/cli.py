"""Command line of the sample-data generator (python -m flows.generate --rows 5000 --seed 42 --out FILE).

With --days N, --out is a folder of N daily files whose later days repeat earlier orders (docs/ledger_data.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from dataclasses import fields, replace
from pathlib import Path

from flows.generate import (
    DefectRates,
    GeneratedFile,
    Overlap,
    answer_key_path,
    generate_days,
    generate_sales,
    write_days,
    write_generated,
)


def _parse_rates(items: list[str]) -> DefectRates:
    rates = DefectRates()
    for item in items:
        name, _, value = item.partition("=")
        if name not in {f.name for f in fields(DefectRates)}:
            raise SystemExit(f"unknown defect rate {name!r}; known: {[f.name for f in fields(DefectRates)]}")
        rates = replace(rates, **{name: float(value)})
    return rates


def generator_doc() -> str:
    """The package docstring: what the generator does."""
    import flows.generate

    return flows.generate.__doc__ or ""


def main(argv: list[str] | None = None) -> None:
    """Command line: generate one sample file and its answer key (or, with --days, a folder of daily files)."""
    parser = argparse.ArgumentParser(description=generator_doc(), formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--seed", type=int, help="default 42; with --incoming, a new seed per drop")
    parser.add_argument(
        "--out", type=Path, help="default data/sample_sales.csv; with --days, a folder (default data/days)"
    )
    parser.add_argument(
        "--incoming",
        type=Path,
        metavar="DIR",
        help="drop a new timestamped file into DIR (e.g. data/incoming) instead of --out; key in DIR/../answer_keys."
        " Drops are different days' files: unless --first-order is given, a drop's order ids continue after"
        " the highest one the earlier drops' answer keys record",
    )
    parser.add_argument(
        "--first-order",
        type=int,
        metavar="N",
        help="order ids run from ORD-N (zero-padded to 7 digits) upward; default 1 (with --incoming: after the"
        " previous drop; with --days: day 1's first)",
    )
    parser.add_argument("--rate", action="append", default=[], metavar="NAME=SHARE", help="override a defect rate")
    parser.add_argument("--clean", action="store_true", help="plant no defects at all")
    parser.add_argument("--days", type=int, metavar="N", help="write N daily files of --rows rows each into --out")
    parser.add_argument("--resent", type=float, default=Overlap().resent, metavar="SHARE", help="with --days")
    parser.add_argument("--changed", type=float, default=Overlap().changed, metavar="SHARE", help="with --days")
    args = parser.parse_args(argv)
    if args.first_order is not None and args.first_order < 1:
        raise SystemExit(f"--first-order must be 1 or more, not {args.first_order}")
    rates = DefectRates.none() if args.clean else _parse_rates(args.rate)
    out, key_path, seed = args.out or Path("data/sample_sales.csv"), None, 42 if args.seed is None else args.seed
    if args.days is not None:
        if args.incoming:
            raise SystemExit("--days writes into --out; it cannot be combined with --incoming")
        overlap, out_dir = Overlap(args.resent, args.changed), args.out or Path("data/days")
        _write_days(args.days, args.rows, seed, rates, overlap, out_dir, args.first_order or 1)
        return
    first_order, extra = args.first_order or 1, None
    if args.incoming:
        now = dt.datetime.now(dt.UTC)
        out = args.incoming / f"sales_{now:%Y%m%dT%H%M%S%fZ}.csv"
        key_path = args.incoming.parent / "answer_keys" / answer_key_path(out).name
        # Each demo drop is a new file unless a seed is given (the same content would be skipped as a re-drop).
        seed = int(now.timestamp() * 1e6) % 2**32 if args.seed is None else args.seed
        first_order = args.first_order or _after_earlier_drops(key_path.parent)  # a given one is >= 1
    generated = generate_sales(args.rows, seed, rates, first_order)
    if args.incoming:
        extra = {"first_order": first_order, "last_order": _last_order(generated, first_order)}
    key = write_generated(generated, out, seed, rates, key_path, extra)
    planted = sum(len(v) for v in generated.answer_key.values())
    print(f"wrote {len(generated.frame):,} rows to {out} (seed {seed}, {planted:,} planted defects; answer key {key})")


def _after_earlier_drops(keys_dir: Path) -> int:
    """The first order number after every earlier drop's (a key without `last_order` predates it: ids <= rows)."""
    keys = [json.loads(p.read_text(encoding="utf-8")) for p in keys_dir.glob("*.answers.json")]
    return max((int(k.get("last_order", k["rows"])) for k in keys), default=0) + 1


def _last_order(generated: GeneratedFile, first_order: int) -> int:
    """The highest order number of a generated file (`first_order - 1` when no row has an id)."""
    ids = generated.frame["order_id"]
    return max([first_order - 1, *(int(i[4:]) for i in ids[ids != ""])])


def _write_days(
    days: int, rows: int, seed: int, rates: DefectRates, overlap: Overlap, out_dir: Path, first_order: int
) -> None:
    files = generate_days(days, rows, seed, overlap, rates, first_order)
    for f, csv in zip(files, write_days(files, out_dir, seed, rates, overlap), strict=True):
        kinds = [e.kind for e in f.ledger_key]
        planted = sum(len(v) for v in f.answer_key.values())
        print(
            f"wrote {len(f.frame):,} rows to {csv} ({len(f.new_rows):,} new, {kinds.count('resent'):,} resent,"
            f" {kinds.count('changed'):,} changed; {planted:,} planted defects; answer key {answer_key_path(csv)})"
        )
