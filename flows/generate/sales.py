"""One sample sales file with planted defects (generate_sales), and how it and its answer key are written."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from flows.generate.defects import DefectRates, plant_value_defects
from flows.generate.values import PRODUCT_PRICES, REGION_WEIGHTS, REGIONS, revenue_text


@dataclass(frozen=True)
class GeneratedFile:
    """A generated sales frame and where its defects were planted (1-based data rows)."""

    frame: pd.DataFrame
    answer_key: dict[str, list[int]]
    undamaged: pd.DataFrame | None = None  # per file row, its values before any defect (a copy: its original's)
    clean_twin: pd.DataFrame | None = None  # the same orders with no defect and no copies: what a fix should give


def generate_sales(rows: int, seed: int, rates: DefectRates | None = None, first_order: int = 1) -> GeneratedFile:
    """Build `rows` sales records as text, with defects planted at the given rates.

    Order ids run from ORD-{first_order:07d} upward (one per distinct order; planted copies repeat theirs), so
    files meant as different days' orders can be given disjoint ids. The ids alone depend on `first_order`.
    """
    rates = rates or DefectRates()
    rng = np.random.default_rng(seed)
    n_dup = round(rates.duplicate_order_id * rows)
    base_n = rows - n_dup
    base = _clean_base(base_n, rng, first_order)
    twin = base.copy()
    pool = rng.permutation(base_n)
    originals, rest = pool[:n_dup], pool[n_dup:]
    planted = plant_value_defects(base, rest, rows, rates, rng)
    n_exact = (n_dup + 1) // 2
    copies = base.iloc[originals].copy()
    conflicting = copies.index[n_exact:]
    quantity = copies.loc[conflicting, "quantity"].astype(int) % 20 + 1
    copies.loc[conflicting, "quantity"] = quantity.astype(str)
    copies.loc[conflicting, "revenue"] = revenue_text(copies.loc[conflicting, "product"], quantity, rng)
    frame, position = _interleave(base, copies, originals, rng)
    planted = {name: position[where] for name, where in planted.items()}
    planted["exact_duplicate"] = position[base_n : base_n + n_exact]
    planted["conflicting_duplicate"] = np.concatenate([position[originals[n_exact:]], position[base_n + n_exact :]])
    key = {name: sorted(int(p) + 1 for p in where) for name, where in planted.items() if len(where)}
    undamaged = pd.concat([twin, twin.iloc[originals]], ignore_index=True).iloc[np.argsort(position)]
    return GeneratedFile(frame, key, undamaged.reset_index(drop=True), twin)


def _clean_base(n: int, rng: np.random.Generator, first_order: int) -> pd.DataFrame:
    days = rng.integers(0, 366, n)
    dates = (np.datetime64("2024-01-01") + days.astype("timedelta64[D]")).astype(str)
    products = rng.choice(list(PRODUCT_PRICES), n)
    quantity = pd.Series(rng.integers(1, 21, n))
    frame = pd.DataFrame(
        {
            "order_id": [f"ORD-{i:07d}" for i in range(first_order, first_order + n)],
            "order_date": dates,
            "region": rng.choice(REGIONS, n, p=REGION_WEIGHTS),
            "product": products,
            "quantity": quantity.astype(str),
        }
    )
    frame["revenue"] = revenue_text(frame["product"], quantity, rng)
    return frame


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
    generated: GeneratedFile,
    out: Path,
    seed: int,
    rates: DefectRates,
    key_path: Path | None = None,
    extra: dict[str, object] | None = None,
) -> Path:
    """Write the CSV (atomically: a pickup never sees half a file) and its answer key; return the key's path.

    `extra` adds entries to the answer key after the defects (the daily files' ledger key).
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    generated.frame.to_csv(partial, index=False)
    partial.replace(out)
    key = {"source": out.name, "seed": seed, "rows": len(generated.frame), "rates": asdict(rates)}
    key["defects"] = generated.answer_key
    key.update(extra or {})
    key_path = key_path or answer_key_path(out)
    key_path.parent.mkdir(parents=True, exist_ok=True)
    key_path.write_text(json.dumps(key, indent=1) + "\n", encoding="utf-8")
    return key_path
