"""Sample sales files with planted defects, and the answer key that says where each defect is.

    python -m flows.generate --rows 5000 --seed 42 --out data/sample_sales.csv

Deterministic for a seed. Every defect is planted on a chosen row and recorded in the answer key
(`<out stem>.answers.json`: defect name -> sorted 1-based data-row numbers), so detection
accuracy can be measured. Rates are shares of all rows; counts are rounded, not sampled.
"""

from __future__ import annotations

from flows.generate.defects import DefectRates
from flows.generate.sales import GeneratedFile, answer_key_path, generate_sales, write_generated
from flows.generate.values import COLUMNS, PRODUCT_PRICES, REGIONS

__all__ = [
    "COLUMNS",
    "PRODUCT_PRICES",
    "REGIONS",
    "DefectRates",
    "GeneratedFile",
    "answer_key_path",
    "generate_sales",
    "write_generated",
]
