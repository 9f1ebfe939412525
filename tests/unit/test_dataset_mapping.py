"""The spec features that let a dataset differ from sales: header mapping, missing markers, grain, checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flows.dataset import SpecError, load_dataset
from flows.sources.files import read_header, read_text_frame
from flows.stages.validate import validation_view
from tests.factories import EXPECTATIONS_DIR
from tests.unit.test_dataset import write_spec


def test_cafe_spec_maps_source_headers_to_fields() -> None:
    """It reads the cafe spec: headers as written map to field names; the grain is day x item x location."""
    spec = load_dataset("dirty_cafe_sales", EXPECTATIONS_DIR)
    assert spec.renames["Transaction ID"] == "transaction_id"
    assert spec.source_names[0] == "Transaction ID"
    assert spec.missing_values == ("", "ERROR", "UNKNOWN")
    assert spec.analytics.grain == ("transaction_date", "item", "location")
    assert spec.analytics.grain_dimensions == ("item", "location")
    assert [c.name for c in spec.columns if not c.required] == ["payment_method", "location"]
    pair = spec.suite.rules[[r.name for r in spec.suite.rules].index("price_matches_menu")]
    assert pair.columns == ("item", "price_per_unit")


def test_sales_spec_needs_no_mapping() -> None:
    """The sales headers are its field names: nothing is renamed and only the empty field is missing."""
    spec = load_dataset("sales", EXPECTATIONS_DIR)
    assert spec.renames == {}
    assert spec.missing_values == ("",)
    assert spec.analytics.grain == ("order_date", "region", "product")
    assert spec.analytics.currency == "INR"


def test_reading_renames_headers_and_keeps_extras(tmp_path: Path) -> None:
    """Mapped headers get field names as the file is read; unknown columns keep their own."""
    path = tmp_path / "f.csv"
    path.write_text("Transaction ID,Item,Note\r\nTXN_1,Tea,x\r\n", encoding="utf-8")
    renames = {"Transaction ID": "transaction_id", "Item": "item"}
    assert read_header(path, renames) == ("transaction_id", "item", "Note")
    assert read_text_frame(path, renames).to_dict("records") == [
        {"transaction_id": "TXN_1", "item": "Tea", "Note": "x"}
    ]


def test_missing_markers_are_null_for_validation_only() -> None:
    """The validation view nulls every marker; the text it came from is left as received."""
    import pandas as pd

    text = pd.DataFrame({"a": ["x", "", "ERROR", "UNKNOWN", "error"]})
    view = validation_view(text, pd.Series(range(5)), ("", "ERROR", "UNKNOWN"))
    assert view["a"].isna().tolist() == [False, True, True, True, False]  # markers are case-sensitive
    assert text["a"].tolist() == ["x", "", "ERROR", "UNKNOWN", "error"]


def _set(path: tuple[str, ...], value: Any):  # type: ignore[no-untyped-def]
    def edit(doc: dict[str, Any]) -> None:
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return edit


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("tables", "raw"), "Raw Sales", "not a plain lower-case identifier"),
        (("tables", "clean"), "exceptions", "shared pipeline table"),
        (("tables", "clean"), "raw_sales", "need different names"),
        (("columns", "region"), {"type": "string", "required": True, "source": "order_id"}, "source column named"),
        (("missing_values",), ["N/A"], "must include the empty string"),
        (("analytics", "date"), "region", "must be a required date column"),
    ],
)
def test_spec_mistakes_are_refused(tmp_path: Path, path: tuple[str, ...], value: Any, message: str) -> None:
    """It refuses a spec whose names cannot be tables or columns, or whose mapping or date is wrong."""
    write_spec(tmp_path, edit_spec=_set(path, value))
    with pytest.raises(SpecError, match=message):
        load_dataset("sales", tmp_path)
