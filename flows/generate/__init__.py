"""Sample sales files with planted defects, and the answer key that says where each defect is.

    python -m flows.generate --rows 5000 --seed 42 --out data/sample_sales.csv
    python -m flows.generate --days 3 --rows 2000 --seed 7 --out data/days/

Deterministic for a seed. Every defect is planted on a chosen row and recorded in the answer key
(`<out stem>.answers.json`: defect name -> sorted 1-based data-row numbers), so detection
accuracy can be measured. Rates are shares of all rows; counts are rounded, not sampled.

With --days, --out is a folder of daily files (sales_day_01.csv ...) whose later days repeat earlier
days' clean orders, resent as is or changed; each answer key also holds that ledger key (docs/ledger_data.md).
"""

from __future__ import annotations

from flows.generate.days import DailyFile, LedgerEntry, Overlap, Policy, expected_ledger, generate_days, write_days
from flows.generate.defects import DefectRates
from flows.generate.sales import GeneratedFile, answer_key_path, generate_sales, write_generated
from flows.generate.values import COLUMNS, PRODUCT_PRICES, REGIONS

__all__ = [
    "COLUMNS",
    "PRODUCT_PRICES",
    "REGIONS",
    "DailyFile",
    "DefectRates",
    "GeneratedFile",
    "LedgerEntry",
    "Overlap",
    "Policy",
    "answer_key_path",
    "expected_ledger",
    "generate_days",
    "generate_sales",
    "write_days",
    "write_generated",
]
