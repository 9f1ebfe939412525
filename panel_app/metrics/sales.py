"""Sales figures from the day x region x product grain: KPIs, trend, breakdowns and the run comparison."""

from __future__ import annotations

import math

import pandas as pd

KPI_NAMES = ("revenue", "orders", "units", "average_order_value")


def kpis(grain: pd.DataFrame) -> dict[str, float]:
    """Revenue, orders, units and average order value of the filtered grain."""
    revenue, orders = float(grain["revenue"].sum()), float(grain["record_count"].sum())
    return {
        "revenue": round(revenue, 2),
        "orders": orders,
        "units": float(grain["quantity"].sum()),
        "average_order_value": round(revenue / orders, 2) if orders else math.nan,
    }


def daily_revenue(grain: pd.DataFrame) -> pd.DataFrame:
    """Revenue per calendar day (days without orders count as zero) and its 7-day moving average."""
    if grain.empty:
        return pd.DataFrame({"order_date": pd.Series([], dtype="datetime64[ns]"), "revenue": [], "avg_7d": []})
    daily = grain.groupby(pd.to_datetime(grain["order_date"]))["revenue"].sum()
    daily = daily.asfreq("D", fill_value=0.0)
    frame = daily.rename_axis("order_date").reset_index()
    frame["avg_7d"] = frame["revenue"].rolling(7, min_periods=1).mean().round(2)
    return frame


def by_dimension(grain: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """Revenue, orders and units per region or product, largest revenue first."""
    measures = grain.groupby(dimension)[["revenue", "record_count", "quantity"]].sum()
    measures = measures.rename(columns={"record_count": "orders", "quantity": "units"}).reset_index()
    measures["revenue"] = measures["revenue"].round(2)
    return measures.sort_values(["revenue", dimension], ascending=[False, True], ignore_index=True)


def region_product(grain: pd.DataFrame) -> pd.DataFrame:
    """Revenue with regions as rows and products as columns (zero where nothing sold)."""
    table = grain.pivot_table(index="region", columns="product", values="revenue", aggfunc="sum", fill_value=0.0)
    return table.round(2).sort_index().sort_index(axis=1)


def _change(current: float, other: float) -> tuple[float, float]:
    delta = current - other
    return round(delta, 2), (round(delta / other * 100, 2) if other else math.nan)


def comparison(
    current: pd.DataFrame, other: pd.DataFrame, exceptions: pd.DataFrame, other_exceptions: pd.DataFrame
) -> pd.DataFrame:
    """Two runs side by side: KPIs, revenue per region and product, and quarantined records per category."""
    rows: list[tuple[str, str, float, float]] = []
    mine, theirs = kpis(current), kpis(other)
    rows += [("Sales", name.replace("_", " "), mine[name], theirs[name]) for name in KPI_NAMES]
    for dimension in ("region", "product"):
        a = by_dimension(current, dimension).set_index(dimension)["revenue"]
        b = by_dimension(other, dimension).set_index(dimension)["revenue"]
        for key in sorted(set(a.index) | set(b.index)):
            rows.append((f"Revenue by {dimension}", str(key), float(a.get(key, 0.0)), float(b.get(key, 0.0))))
    a, b = exceptions.set_index("key")["records"], other_exceptions.set_index("key")["records"]
    rows.append(("Exceptions", "quarantined records", float(a.sum()), float(b.sum())))
    for key in sorted(set(a.index) | set(b.index)):
        rows.append(("Exceptions by category", str(key), float(a.get(key, 0)), float(b.get(key, 0))))
    frame = pd.DataFrame(rows, columns=["section", "item", "this_run", "comparison_run"])
    changes = [_change(x, y) for x, y in zip(frame["this_run"], frame["comparison_run"], strict=True)]
    frame["change"] = [c[0] for c in changes]
    frame["change_pct"] = [c[1] for c in changes]
    return frame
