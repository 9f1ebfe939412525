# ruff: noqa: E501  (the suite reads best one rule per line)
"""A dataset whose amounts carry up to 4 decimal places (like the public "Superstore" sales file), defined in tests.

Nothing in flows/ knows it: the spec, suite and CSV are written to a folder by `write_superstore`.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

SPEC: dict[str, Any] = {
    "name": "superstore",
    "title": "Superstore orders",
    "suite": "superstore_rules",
    "tables": {"raw": "raw_superstore", "clean": "clean_superstore"},
    "business_key": "order_no",
    "columns": {
        "order_no": {"source": "Order ID", "type": "string", "required": True},
        "order_day": {"source": "Order Date", "type": "date", "required": True},
        "segment": {"source": "Segment", "type": "string", "required": True},
        "sales": {"source": "Sales", "type": "decimal", "required": True, "precision": 12, "scale": 4},
        "quantity": {"source": "Quantity", "type": "integer", "required": True},
    },
    "derived": {"unit_price": {"ratio": ["sales", "quantity"], "scale": 4}},
    "analytics": {
        "date": "order_day",
        "currency": "USD",
        "dimensions": ["segment"],
        "measures": {"sales": "sum", "quantity": "sum"},
        "breakdowns": [["order_day"], ["segment"], ["order_day", "segment"]],
    },
}


def _rule(n: int, type_: str, kwargs: dict[str, Any], rule: str, control: str, category: str) -> dict[str, Any]:
    meta = {"rule": rule, "control_type": control, "error_category": category, "severity": "error"}
    return {"type": type_, "id": f"00000000-0000-4000-9000-{n:012d}", "kwargs": kwargs, "meta": meta}


SUITE: dict[str, Any] = {
    "name": "superstore_rules",
    "id": "00000000-0000-4000-9000-100000000000",
    "expectations": [
        _rule(1, "expect_column_to_exist", {"column": "sales"}, "sales_present", "SCHEMA", "MISSING_REQUIRED_FIELD"),
        *(_rule(2 + i, "expect_column_values_to_not_be_null", {"column": c}, f"{c}_not_null", "DATA_QUALITY", "MISSING_REQUIRED_FIELD") for i, c in enumerate(SPEC["columns"])),
        _rule(10, "expect_column_values_to_be_unique", {"column": "order_no"}, "order_no_unique", "DUPLICATE", "DATA_QUALITY_ISSUE"),
        _rule(11, "expect_column_values_to_match_regex", {"column": "sales", "regex": r"^-?\d+(?:\.\d+)?$"}, "sales_is_number", "DATA_QUALITY", "DATA_FORMAT_ERROR"),
        _rule(12, "expect_column_values_to_match_regex", {"column": "quantity", "regex": r"^\d+$"}, "quantity_is_count", "DATA_QUALITY", "DATA_FORMAT_ERROR"),
    ],
}  # fmt: skip

# O4's 3.14159 has 5 decimal places: GX's number rule passes it, typing quarantines it with the reason.
CSV = """Order ID,Order Date,Segment,Sales,Quantity
O1,2024-01-01,Consumer,16.448,2
O2,2024-01-01,Corporate,261.96,1
O3,2024-01-02,Consumer,0.1234,3
O4,2024-01-02,Home Office,3.14159,1
O5,2024-01-03,Corporate,1000000.0001,1
"""
CLEAN_SALES = {"O1": Decimal("16.448"), "O2": Decimal("261.96"), "O3": Decimal("0.1234"), "O5": Decimal("1000000.0001")}
SALES_BY_SEGMENT = {"Consumer": Decimal("16.5714"), "Corporate": Decimal("1000261.9601")}
UNIT_PRICES = {
    "O1": Decimal("8.2240"),
    "O2": Decimal("261.9600"),
    "O3": Decimal("0.0411"),
    "O5": Decimal("1000000.0001"),
}
REASON = "3.14159 has 5 decimal places; the spec allows 4"


def write_superstore(folder: Path, spec: dict[str, Any] | None = None) -> Path:
    """Write the spec and suite into `folder`/expectations and the CSV beside it; return the CSV's path."""
    expectations = folder / "expectations"
    expectations.mkdir(parents=True, exist_ok=True)
    (expectations / "superstore.yaml").write_text(yaml.safe_dump(spec or SPEC, sort_keys=False), encoding="utf-8")
    (expectations / "superstore_rules.json").write_text(json.dumps(SUITE, indent=1), encoding="utf-8")
    source = folder / "superstore.csv"
    source.write_text(CSV, encoding="utf-8")
    return source
