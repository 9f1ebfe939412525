"""Defects planted in generated files: their rates, and where and how each is planted."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from flows.generate.values import BAD_DATE_TEXT, BAD_PRODUCTS, BAD_REGIONS, BAD_REVENUES, revenue_text


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


def plant_value_defects(
    base: pd.DataFrame, rest: np.ndarray, rows: int, rates: DefectRates, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Plant each value defect on its share of the `rest` rows (in place); return the rows of each defect."""

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
    base.loc[large, "revenue"] = revenue_text(base["product"].iloc[large].reset_index(drop=True), big, rng)
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
