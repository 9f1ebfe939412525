"""A year of runs in seconds: COMPLETED run rows with their totals, failed checks and a few alerts, inserted in
bulk (no pipeline run, no raw rows). For the dashboard at hundreds of runs: the browser test and the benchmark."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import create_engine

from flows.constants import RECORD_COUNT, TOTAL, AlertKind, ControlType, RunStatus
from flows.dataset import load_dataset
from flows.storage.engine import normalize_url
from flows.storage.migrate import upgrade_to_head
from flows.storage.tables import ensure_dataset_tables


def seeded_runs(dataset: str, suite: tuple[str, str], days: int, last_day: dt.date, seed: int = 0) -> pd.DataFrame:
    """`days` COMPLETED runs, one a day at 02:00 UTC up to `last_day`, of `sales_<day>.csv`-like files (pipeline_runs
    rows): 4,000-6,000 records, 2-9 % quarantined, two bad weeks in the middle."""
    rng = np.random.default_rng(seed)
    started = pd.Timestamp(last_day) + pd.Timedelta(hours=2) - pd.to_timedelta(np.arange(days)[::-1], unit="D")
    raw = rng.integers(4000, 6001, days)
    bad = np.isin(np.arange(days), np.arange(days // 2, days // 2 + 14))
    exceptions = (raw * np.where(bad, 0.09, rng.uniform(0.02, 0.05, days))).astype(int)
    return pd.DataFrame(
        {
            "run_id": [str(uuid.UUID(bytes=rng.bytes(16), version=4)) for _ in range(days)],
            "dataset": dataset,
            "source_name": f"{dataset}_" + started.strftime("%Y-%m-%d") + ".csv",
            "source_sha256": [f"{i:064x}" for i in rng.integers(1, 2**62, days)],
            "source_bytes": raw * 80,
            "status": RunStatus.COMPLETED.value,
            "started_at": started,
            "ended_at": started + pd.Timedelta(seconds=20),
            "suite_name": suite[0],
            "suite_version": suite[1],
            "raw_count": raw,
            "clean_count": raw - exceptions,
            "exception_count": exceptions,
            "validation_result_count": exceptions,
            "warning_count": (raw * 0.01).astype(int),
            "analytics_count": 1,
            "reconciled": True,
        }
    )


def totals_rows(runs: pd.DataFrame, measures: list[str]) -> pd.DataFrame:
    """The `total` breakdown of each run (analytics_summary rows): each measure about 250 per clean record."""
    parts = [runs["clean_count"].astype(float) * (250 + 10 * i) for i in range(len(measures))]
    long = pd.DataFrame({"measure": [*measures, RECORD_COUNT]}).merge(runs[["run_id", "dataset"]], how="cross")
    long["value"] = np.concatenate([*(p.to_numpy() for p in parts), runs["clean_count"].to_numpy(dtype=float)])
    return long.assign(breakdown=TOTAL)


def failure_rows(runs: pd.DataFrame, rules: pd.DataFrame, first_record: int = 10**9) -> pd.DataFrame:
    """One failed check per quarantined record (validation_results rows), the records spread over `rules`
    (rule_id, rule_name, expectation_type, column_name, control_type, error_category, severity) in turn."""
    counts = runs["exception_count"].to_numpy()
    run_at = np.repeat(np.arange(len(runs)), counts)
    nth = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    rule = rules.iloc[nth % len(rules)].reset_index(drop=True)
    return rule.assign(
        run_id=runs["run_id"].to_numpy()[run_at],
        dataset=runs["dataset"].iloc[0],
        record_id=first_record + np.arange(counts.sum()),
        observed_value="x",
    )


def alert_rows(runs: pd.DataFrame, every: int = 30) -> pd.DataFrame:
    """A threshold finding on every `every`-th run."""
    flagged = runs.iloc[::every]
    return pd.DataFrame(
        {
            "run_id": flagged["run_id"],
            "dataset": flagged["dataset"],
            "kind": AlertKind.THRESHOLD.value,
            "metric": "quarantine_rate",
            "value": flagged["exception_count"] / flagged["raw_count"],
            "expected": "<= 0.04",
            "created_at": flagged["ended_at"],
        }
    )


def add_year(
    url: str, dataset: str, expectations: Path, days: int, last_day: dt.date, migrate: bool = False
) -> pd.DataFrame:
    """Insert `days` seeded runs of `dataset` ending on `last_day` (after migrating an empty database when
    `migrate`); return their pipeline_runs rows."""
    spec = load_dataset(dataset, expectations)
    record = [r for r in spec.suite.rules if r.control_type != ControlType.SCHEMA and r.column]
    rules = pd.DataFrame(
        {
            "rule_id": [r.rule_id for r in record],
            "rule_name": [r.name for r in record],
            "expectation_type": [r.expectation_type for r in record],
            "column_name": [r.column for r in record],
            "control_type": [str(r.control_type) for r in record],
            "error_category": [r.error_category for r in record],
            "severity": [r.severity for r in record],
        }
    ).head(4)
    runs = seeded_runs(dataset, (spec.suite.name, "seeded"), days, last_day)
    engine = create_engine(normalize_url(url))
    try:
        if migrate:
            upgrade_to_head(engine)
        with engine.begin() as conn:
            ensure_dataset_tables(conn, spec)  # empty: the seeded runs have no raw, clean or exception rows
            runs.to_sql("pipeline_runs", conn, if_exists="append", index=False)
            totals_rows(runs, list(spec.analytics.measures)).to_sql(
                "analytics_summary", conn, if_exists="append", index=False
            )
            failure_rows(runs, rules).to_sql(
                "validation_results", conn, if_exists="append", index=False, chunksize=20_000
            )
            alert_rows(runs).to_sql("alerts", conn, if_exists="append", index=False)
    finally:
        engine.dispose()
    return runs
