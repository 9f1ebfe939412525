"""Command line for the ledger: check that it adds up.

    python -m flows.ledger check [--dataset NAME]

Per COMPLETED run: current rows = loaded + promoted − superseded, and loaded + promoted = the clean count the
run recorded; in total: the current view's record count and measure sums = ledger_summary's totals. Exits 0
when everything balances, 1 when something does not (each problem printed).
"""

from __future__ import annotations

import argparse
import sys

from flows.dataset import load_dataset
from flows.service.ledger import reconcile_ledger
from flows.settings import get_settings
from flows.storage.engine import get_engine
from flows.storage.uow import SqlUnitOfWork


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flows.ledger", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="reconcile the ledger of a dataset")
    check.add_argument("--dataset", help="default: DEFAULT_DATASET (sales)")
    args = parser.parse_args(argv)
    settings = get_settings()
    spec = load_dataset(args.dataset or settings.default_dataset, settings.expectations_dir)
    with SqlUnitOfWork(get_engine(settings.database_url.get_secret_value())) as uow:
        uow.prepare(spec)
        result = reconcile_ledger(uow, spec)
    print(result.runs.to_string(index=False) if len(result.runs) else "no COMPLETED run")
    for measure, value in result.current.items():
        print(f"{measure:>14}: current view {value:,}   ledger_summary {result.summary[measure]:,}")
    for problem in result.problems:
        print(f"UNBALANCED: {problem}")
    print("ledger: balanced" if not result.problems else f"ledger: {len(result.problems)} problem(s)")
    return 0 if not result.problems else 1


if __name__ == "__main__":
    sys.exit(main())
