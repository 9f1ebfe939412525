"""Data quality of a run and of each control (rule), and how both moved across runs."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from flows.constants import ControlType
from flows.dataset import Rule
from panel_app.formatting import sparkline
from panel_app.metrics.runs import completed, short_labels

HISTORY = 10
CONTROL_COLUMNS = (
    *("rule", "control_type", "severity", "checked", "failed", "pass_rate_pct", "change", "trend", "scope"),
    *("error_category", "description"),
)


def rules_frame(rules: Sequence[Rule]) -> pd.DataFrame:
    """The suite's controls in suite order; SCHEMA controls check the file, the others each record."""
    frame = pd.DataFrame(
        [(r.name, r.control_type, r.severity, r.error_category, r.description) for r in rules],
        columns=["rule", "control_type", "severity", "error_category", "description"],
    )
    frame["scope"] = frame["control_type"].map(lambda c: "file" if c == ControlType.SCHEMA else "record")
    return frame


def failed_matrix(failures: pd.DataFrame) -> pd.DataFrame:
    """Failed units per rule (rows) and run (columns): records, or 1 for a failed file-level check."""
    if failures.empty:
        return pd.DataFrame()
    failed = failures["failed_records"].where(failures["failed_records"] > 0, (failures["findings"] > 0).astype(int))
    return failures.assign(failed=failed).pivot_table(
        index="rule_name", columns="run_id", values="failed", aggfunc="sum", fill_value=0
    )


def _history(runs: pd.DataFrame, run_id: str, size: int) -> pd.DataFrame:
    done = completed(runs)
    upto = done.index[done["run_id"] == run_id]
    return done.iloc[max(0, upto[0] + 1 - size) : upto[0] + 1] if len(upto) else done.iloc[0:0]


def controls_table(rules: pd.DataFrame, failures: pd.DataFrame, runs: pd.DataFrame, run_id: str) -> pd.DataFrame:
    """Every control for one run: checked, failed, pass rate, change since the previous run and a trend."""
    history = _history(runs, run_id, HISTORY)
    mine = failures[failures["run_id"].isin(history["run_id"])] if not failures.empty else failures  # 10, not all
    matrix = failed_matrix(mine).reindex(index=rules["rule"], columns=history["run_id"]).fillna(0)
    checked = pd.DataFrame(
        {
            rid: rules["scope"].map({"file": 1, "record": raw}).to_numpy()
            for rid, raw in zip(history["run_id"], history["raw_count"], strict=True)
        },
        index=rules["rule"],
    )
    table = rules.copy()
    table["checked"] = checked[run_id].to_numpy() if run_id in checked else 0
    table["failed"] = matrix[run_id].astype(int).to_numpy() if run_id in matrix else 0
    table["pass_rate_pct"] = (100 * (1 - table["failed"] / table["checked"].where(table["checked"] > 0))).round(2)
    previous = matrix.iloc[:, -2] if matrix.shape[1] > 1 else None
    table["change"] = (table["failed"] - previous.to_numpy()).astype(int) if previous is not None else 0
    rates = (matrix / checked.where(checked > 0)).fillna(0)
    table["trend"] = [sparkline(list(rates.loc[rule])) for rule in rules["rule"]]
    return table[list(CONTROL_COLUMNS)]


def quality_history(runs: pd.DataFrame) -> pd.DataFrame:
    """Per COMPLETED run, oldest first: records, clean, quarantined, warnings and the quality score."""
    done = completed(runs)
    raw = done["raw_count"].astype(float)
    return pd.DataFrame(
        {
            "run_id": done["run_id"],
            "label": short_labels(done),
            "started_at": done["started_at"],
            "raw": done["raw_count"],
            "clean": done["clean_count"],
            "quarantined": done["exception_count"],
            "warnings": done["warning_count"],
            "quality_pct": (100 * done["clean_count"] / raw.where(raw > 0)).round(2),
        }
    )


def failure_rates(rules: pd.DataFrame, failures: pd.DataFrame, runs: pd.DataFrame, last: int = 20) -> pd.DataFrame:
    """Failure rate (%) of each record-level control (rows) in each of the last COMPLETED runs (columns)."""
    done = completed(runs).tail(last)
    record_rules = rules.loc[rules["scope"] == "record", "rule"]
    charted = failures[failures["run_id"].isin(done["run_id"])] if not failures.empty else failures
    matrix = failed_matrix(charted).reindex(index=record_rules, columns=done["run_id"]).fillna(0)
    rates = 100 * matrix / done.set_index("run_id")["raw_count"].astype(float).where(lambda s: s > 0)
    rates.columns = short_labels(done)
    return rates.round(2)
