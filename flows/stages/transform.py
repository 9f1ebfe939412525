"""Transform: type the clean records per the dataset spec and add derived columns.

Validation should already have caught every value that cannot be typed; any value that still
fails here is quarantined (stage `transform`) rather than dropped or coerced.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from flows.dataset import ColumnSpec, DatasetSpec, RatioSpec
from flows.stages.route import build_exceptions

MAX_INTEGER_DIGITS = 18  # what a signed 64-bit integer always holds


@dataclass(frozen=True)
class TransformOutcome:
    """Typed clean rows (indexed by record id) and the rows that could not be typed."""

    clean: pd.DataFrame
    rejects: pd.DataFrame


def type_clean_rows(text: pd.DataFrame, spec: DatasetSpec) -> TransformOutcome:
    """Type every spec column; a record whose value will not type goes to `rejects` with the reason."""
    typed: dict[str, pd.Series] = {}
    failures = []
    for column in spec.columns:
        values, bad = _typed(text[column.name], column)
        typed[column.name] = values
        received = text[column.name][bad]
        failures.append(_failure_rows(text.index[bad], column.name, received, column.type, _reasons(received, column)))
    clean = pd.DataFrame(typed, index=text.index)
    for ratio in spec.derived:
        values, bad = _ratio(clean, ratio, spec)
        clean[ratio.name] = values
        zero = text[ratio.denominator][bad]
        reason = f"{ratio.name} = {ratio.numerator} / {ratio.denominator}, and {ratio.denominator} is " + zero
        failures.append(_failure_rows(text.index[bad], ratio.name, zero, "ratio", reason))
    findings = pd.concat(failures, ignore_index=True)
    failed_ids = pd.Index(findings["record_id"].unique(), dtype="int64")
    rejects = build_exceptions(text.loc[failed_ids], findings, stage="transform")
    return TransformOutcome(clean=clean.drop(index=failed_ids), rejects=rejects)


def _typed(values: pd.Series, column: ColumnSpec) -> tuple[pd.Series, np.ndarray]:
    """The typed series (missing where bad) and a mask of values that were present but would not type."""
    present = values.notna() & (values != "")
    if column.type == "string":
        return values, np.zeros(len(values), dtype=bool)
    if column.type == "integer":
        ok = values.str.fullmatch(rf"-?\d{{1,{MAX_INTEGER_DIGITS}}}", na=False)
        typed = pd.Series(pd.NA, index=values.index, dtype="Int64")
        typed[ok] = values[ok].astype("int64")
    elif column.type == "decimal":
        whole = rf"\d{{1,{column.precision - column.scale}}}" if column.precision > column.scale else "0"
        fraction = rf"(?:\.\d{{1,{column.scale}}})?" if column.scale else ""
        ok = values.str.fullmatch(rf"-?{whole}{fraction}", na=False)
        dtype = pd.ArrowDtype(pa.decimal128(column.precision, column.scale))
        typed = pd.Series(None, index=values.index, dtype=dtype)
        typed[ok] = values[ok].astype(dtype)
    else:
        parsed = pd.to_datetime(values, format=column.format or "%Y-%m-%d", errors="coerce")
        ok = parsed.notna()
        typed = parsed.astype("date32[pyarrow]")
    return typed, (present & ~ok).to_numpy()


def _ratio(clean: pd.DataFrame, ratio: RatioSpec, spec: DatasetSpec) -> tuple[pd.Series, np.ndarray]:
    """numerator / denominator rounded half away from zero, computed exactly in integer minor units.

    Each side is scaled to an integer by its own decimal scale (0 for an integer column), so the
    quotient of two decimals is as exact as that of a decimal and an integer.
    """
    numerator, n_scale = _minor_units(clean[ratio.numerator], spec.column(ratio.numerator))
    denominator, d_scale = _minor_units(clean[ratio.denominator], spec.column(ratio.denominator))
    bad = (denominator == 0).fillna(False).to_numpy()
    safe = denominator.where(denominator != 0, 1)
    shift = d_scale + ratio.scale - n_scale  # result = numerator * 10**shift / denominator, in 10**-scale units
    top = numerator.abs() * 10 ** max(shift, 0)
    bottom = safe.abs() * 10 ** max(-shift, 0)
    sign = np.sign(numerator) * np.sign(safe)  # not sign(numerator * safe): that product can overflow int64
    result = sign * ((2 * top + bottom) // (2 * bottom))
    text = _minor_units_text(result, ratio.scale)
    dtype = pd.ArrowDtype(pa.decimal128(spec.column(ratio.numerator).precision, ratio.scale))
    return text.astype(dtype).where(~bad & result.notna().to_numpy(), None), bad


def _minor_units(values: pd.Series, column: ColumnSpec) -> tuple[pd.Series, int]:
    """A numeric column as Int64 in units of 10**-scale (exact for NUMERIC(p, s) with p <= 15), and the scale."""
    if column.type != "decimal":
        return values.astype("Int64"), 0
    scaled = values.astype("float64[pyarrow]") * 10**column.scale
    return scaled.round().astype("Int64"), column.scale


def _minor_units_text(minor: pd.Series, scale: int) -> pd.Series:
    sign = np.where((minor < 0).fillna(False), "-", "")  # NA where a value did not type
    absolute = minor.abs().fillna(0).astype("int64")
    whole = (absolute // 10**scale).astype(str)
    fraction = (absolute % 10**scale).astype(str).str.zfill(scale)
    return pd.Series(sign, index=minor.index) + whole + "." + fraction


def _reasons(values: pd.Series, column: ColumnSpec) -> pd.Series:
    """Why each value would not type, in words: `16.448 has 3 decimal places; the spec allows 2`."""
    shown = values.str.slice(0, 40).where(values.str.len() <= 40, values.str.slice(0, 37) + "...")
    if column.type == "date":
        return shown + f" is not a date in the format {column.format or '%Y-%m-%d'}"
    parts = values.str.extract(r"^-?(\d+)(?:\.(\d+))?$")  # a plain number: its digits before and after the point
    digits, places = parts[0].str.len().fillna(0).astype(int), parts[1].str.len().fillna(0).astype(int)
    plain = parts[0].notna().to_numpy()
    if column.type == "integer":
        long = plain & (digits > MAX_INTEGER_DIGITS).to_numpy() & (places == 0).to_numpy()
        return pd.Series(
            np.where(
                long,
                shown + " has " + digits.astype(str) + " digits; a whole number holds at most 18",
                shown + " is not a whole number",
            ),
            index=values.index,
        )
    whole = column.precision - column.scale
    too_precise = plain & (places > column.scale).to_numpy()
    too_large = plain & (digits > whole).to_numpy() & ~too_precise
    reasons = np.select(
        [too_precise, too_large],
        [
            shown + " has " + places.astype(str) + f" decimal places; the spec allows {column.scale}",
            shown + " has " + digits.astype(str) + f" digits before the decimal point; the spec allows {whole}",
        ],
        default=shown + " is not a plain decimal number (digits, an optional leading '-' and one '.')",
    )
    return pd.Series(reasons, index=values.index)


def _failure_rows(ids: pd.Index, column: str, values: pd.Series, kind: str, reasons: object) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "record_id": ids.to_numpy(dtype="int64"),
            "rule_name": f"typed_as_{kind}",
            "column_name": column,
            "error_category": "DATA_FORMAT_ERROR",
            "severity": "error",
            "observed_value": values.to_numpy(),
            "details": reasons.to_numpy() if isinstance(reasons, pd.Series) else reasons,
        }
    )
