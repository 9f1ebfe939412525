"""A small history of steward work made with the real pipeline and replays (for the resolution reads and cards).

Three sales runs: the first with seven defects, the second clean, the third with one negative revenue. Then
four corrections files: waive two refunds, correct a sign and a region, dismiss a test order, correct a quantity
that still fails; waive the third run's refund; reopen the first waiver; correct it. In the end the first run
has 2 open, 4 promoted (3 by correction, 1 by waiver: the reopened waiver was corrected), 1 dismissed.
Run with DATABASE_URL, DOCS_DIR and EXPECTATIONS_DIR set (the `pipeline_env` fixture) and Prefect's harness.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from flows.exceptions import main
from flows.pipeline import run_pipeline
from tests.factories import make_frame, write_csv

DEFECTS = [
    *({"revenue": r} for r in ("-10.00", "-20.00", "-30.00")),
    *({"region": r} for r in ("north", "south", "")),
    {"quantity": "0"},
]
EVENTS = 9  # the events the four files append


@dataclass(frozen=True)
class StewardedRuns:
    """The three runs' ids (the second has no exceptions)."""

    first: str
    clean: str
    third: str


def apply_actions(tmp_path: Path, name: str, template: pd.DataFrame, lines: dict[str, dict[str, str]]) -> None:
    """Apply a corrections file: per exception (named by its order id) the action, note and changed cells."""
    ids = template.set_index("order_id")["exception_id"]
    frame = pd.DataFrame([dict.fromkeys(template.columns, "") for _ in lines], columns=template.columns)
    for i, (order_id, cells) in enumerate(lines.items()):
        frame.loc[i, ["exception_id", *cells]] = [ids[order_id], *cells.values()]
    frame.to_csv(tmp_path / name, index=False)
    assert main(["apply", str(tmp_path / name), "--user", "asha"]) == 0


def export_template(tmp_path: Path, run_id: str) -> pd.DataFrame:
    """A run's open exceptions as a corrections template."""
    out = tmp_path / f"template-{run_id}.csv"
    assert main(["export", "--run", run_id, "--out", str(out)]) == 0
    return pd.read_csv(out, dtype=str, keep_default_na=False)


def steward_runs(tmp_path: Path) -> StewardedRuns:
    """Load the three files and apply the four corrections files (see the module's docstring)."""
    # three days' files: each its own order ids (ORD-1.., ORD-11.., ORD-21..; extra rows ORD-9000000.., ORD-9000020)
    first = run_pipeline(source=str(write_csv(tmp_path / "a.csv", make_frame(4, rows=DEFECTS)))).run_id
    clean = run_pipeline(source=str(write_csv(tmp_path / "b.csv", make_frame(3, first=11)))).run_id
    refund = make_frame(2, rows=[{"revenue": "-5.00"}], first=21)
    third = run_pipeline(source=str(write_csv(tmp_path / "c.csv", refund))).run_id
    a, c = export_template(tmp_path, first), export_template(tmp_path, third)
    neg10, neg20, neg30, north, south, _, zero = (f"ORD-9{i:06d}" for i in range(len(DEFECTS)))
    apply_actions(
        tmp_path,
        "batch1.csv",
        a,
        {
            neg10: {"action": "waive", "note": "a refund"},
            neg20: {"action": "waive", "note": "a refund"},
            neg30: {"action": "correct", "note": "sign typo", "revenue": "30.00"},
            north: {"action": "correct", "note": "capital letter", "region": "North"},
            south: {"action": "dismiss", "note": "test order"},
            zero: {"action": "correct", "note": "still wrong", "quantity": "0.5"},
        },
    )
    apply_actions(tmp_path, "batch2.csv", c, {"ORD-9000020": {"action": "waive", "note": "a refund"}})
    apply_actions(tmp_path, "batch3.csv", a, {neg10: {"action": "reopen", "note": "not a refund after all"}})
    apply_actions(tmp_path, "batch4.csv", a, {neg10: {"action": "correct", "note": "sign typo", "revenue": "10.00"}})
    return StewardedRuns(first, clean, third)
