"""Analytics: totals and breakdowns of the clean rows, in one long table any dataset fits."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from flows.constants import RECORD_COUNT, TOTAL, VALUE_PRECISION, VALUE_SCALE, breakdown_name
from flows.dataset import DatasetSpec

VALUE_TYPE = pd.ArrowDtype(pa.decimal128(VALUE_PRECISION, VALUE_SCALE))
MAX_KEYS = 3
SUMMARY_COLUMNS = ["breakdown", "key_1", "key_2", "key_3", "measure", "value"]


def summarize(clean: pd.DataFrame, spec: DatasetSpec) -> pd.DataFrame:
    """Record count and each measure's sum: overall (`total`) and per spec breakdown."""
    measures = list(spec.analytics.measures)
    everything = pd.Series(0, index=clean.index, name=TOTAL)  # one group holding every row
    parts = [_long(_aggregate(clean, [everything], measures).reset_index(drop=True), TOTAL, ())]
    for columns in spec.analytics.breakdowns:
        wide = _aggregate(clean, list(columns), measures).reset_index()
        parts.append(_long(wide, breakdown_name(columns), columns))
    return pd.concat(parts, ignore_index=True)[SUMMARY_COLUMNS]


def _aggregate(clean: pd.DataFrame, by: list, measures: list[str]) -> pd.DataFrame:
    """Sum each measure (keeping exact decimal dtypes) and count records per group."""
    grouped = clean.groupby(by, sort=True, observed=True, dropna=False)  # a missing key is a group too
    wide = grouped[measures].sum()
    wide[RECORD_COUNT] = grouped.size()
    return wide


def _long(wide: pd.DataFrame, name: str, keys: tuple[str, ...]) -> pd.DataFrame:
    values = [c for c in wide.columns if c not in keys]
    frame = pd.DataFrame(
        {
            "breakdown": name,
            **{f"key_{i + 1}": _key_text(wide[keys[i]]) if len(keys) > i else None for i in range(MAX_KEYS)},
        },
        index=wide.index,
    )
    long = []
    for measure in values:
        part = frame.copy()
        part["measure"] = measure
        part["value"] = _as_value(wide[measure])
        long.append(part)
    return pd.concat(long, ignore_index=True)


def _key_text(keys: pd.Series) -> pd.Series:
    """Breakdown keys as text; a missing key (an optional dimension) stays null."""
    return keys.astype(str).where(keys.notna().to_numpy(), None)


def _as_value(series: pd.Series) -> pd.Series:
    if isinstance(series.dtype, pd.ArrowDtype):
        return pd.Series(pa.array(series).cast(VALUE_TYPE.pyarrow_dtype), index=series.index, dtype=VALUE_TYPE)
    return series.astype("int64").astype(str).astype(VALUE_TYPE)  # int64 -> decimal needs a text hop


def combine_summaries(partials: list[pd.DataFrame]) -> pd.DataFrame:
    """Add up per-chunk summaries key by key (sums and counts are additive); no chunks means no clean rows."""
    if not partials:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    keys = ["breakdown", "key_1", "key_2", "key_3", "measure"]
    stacked = pd.concat(partials, ignore_index=True)
    combined = stacked.groupby(keys, sort=False, dropna=False)["value"].sum().reset_index()
    return combined[SUMMARY_COLUMNS]


def adjust_summary(summary: pd.DataFrame, added: pd.DataFrame, removed: pd.DataFrame) -> pd.DataFrame:
    """A run's summary after clean rows were `added` and `removed` (both summaries): key by key, sums and counts
    are additive; a key left with no record is gone, as a summary computed from scratch would not have it."""
    negated = removed.assign(value=-removed["value"]) if len(removed) else removed
    combined = combine_summaries([part for part in (summary, added, negated) if len(part)])
    keys = ["breakdown", "key_1", "key_2", "key_3"]
    counts = combined[combined["measure"] == RECORD_COUNT].set_index(keys)["value"]
    empty = counts[counts == 0].index
    kept = ~pd.MultiIndex.from_frame(combined[keys]).isin(empty)
    return combined[kept].reset_index(drop=True)
