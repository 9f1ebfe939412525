"""Tests for loading a dataset spec and its GX suite, and the checks that they agree."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from flows.dataset import SpecError, load_dataset, load_suite
from tests.factories import COLUMNS, EXPECTATIONS_DIR

Doc = dict[str, Any]
Edit = Callable[[Doc], None]


def _no_edit(_doc: Doc) -> None:
    """Leave a document as it is."""


def write_spec(directory: Path, edit_spec: Edit = _no_edit, edit_suite: Edit = _no_edit) -> Path:
    """Copy the committed sales spec and suite into `directory`, after applying the edits; return the directory."""
    spec = yaml.safe_load((EXPECTATIONS_DIR / "sales.yaml").read_text(encoding="utf-8"))
    suite = json.loads((EXPECTATIONS_DIR / "sales_orders.json").read_text(encoding="utf-8"))
    edit_spec(spec)
    edit_suite(suite)
    (directory / "sales.yaml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    (directory / "sales_orders.json").write_text(json.dumps(suite, indent=2), encoding="utf-8")
    return directory


def _expectation(suite: Doc, rule: str) -> Doc:
    """The expectation of a suite document whose meta.rule is `rule`."""
    return next(e for e in suite["expectations"] if e["meta"]["rule"] == rule)


def _drop_rule(rule: str) -> Edit:
    """An edit that removes one expectation from the suite."""

    def edit(suite: Doc) -> None:
        """Remove the expectation."""
        suite["expectations"].remove(_expectation(suite, rule))

    return edit


def _set_meta(rule: str, key: str, value: Any) -> Edit:
    """An edit that sets one meta value of one expectation."""

    def edit(suite: Doc) -> None:
        """Set the meta value."""
        _expectation(suite, rule)["meta"][key] = value

    return edit


def _del_key(rule: str, key: str) -> Edit:
    """An edit that removes one top-level key of one expectation."""

    def edit(suite: Doc) -> None:
        """Delete the key."""
        del _expectation(suite, rule)[key]

    return edit


def _set_column(rule: str, column: str) -> Edit:
    """An edit that points one expectation at another column."""

    def edit(suite: Doc) -> None:
        """Repoint the expectation."""
        _expectation(suite, rule)["kwargs"]["column"] = column

    return edit


def test_loads_the_sales_spec() -> None:
    """It loads the committed sales spec: columns in file order, key, tables, derived ratio and breakdowns."""
    spec = load_dataset("sales", EXPECTATIONS_DIR)
    assert spec.column_names == COLUMNS
    assert (spec.business_key, spec.raw_table, spec.clean_table) == ("order_id", "raw_sales", "clean_sales")
    assert spec.column("revenue").type == "decimal"
    assert (spec.column("revenue").precision, spec.column("revenue").scale) == (12, 2)
    assert spec.column("order_date").format == "%Y-%m-%d"
    assert all(c.required for c in spec.columns)
    (ratio,) = spec.derived
    assert (ratio.name, ratio.numerator, ratio.denominator, ratio.scale) == (
        "revenue_per_unit",
        "revenue",
        "quantity",
        2,
    )
    assert spec.analytics.measures == ("revenue", "quantity")
    assert spec.analytics.breakdowns == (
        ("order_date",),
        ("region",),
        ("product",),
        ("region", "product"),
        ("order_date", "region", "product"),
    )


def test_reads_every_expectation_as_a_rule() -> None:
    """It reads one rule per expectation, each with a distinct id and name and the meta it carries."""
    spec = load_dataset("sales", EXPECTATIONS_DIR)
    document = spec.suite.document
    assert len(spec.suite.rules) == len(document["expectations"])
    assert len({r.rule_id for r in spec.suite.rules}) == len(spec.suite.rules)
    assert len({r.name for r in spec.suite.rules}) == len(spec.suite.rules)
    for rule, expectation in zip(spec.suite.rules, document["expectations"], strict=True):
        assert rule.rule_id == expectation["id"]
        assert rule.expectation_type == expectation["type"]
        assert rule.column == expectation["kwargs"].get("column")
        meta = expectation["meta"]
        assert (rule.name, rule.control_type, rule.error_category, rule.severity) == (
            meta["rule"],
            meta["control_type"],
            meta["error_category"],
            meta["severity"],
        )


def test_suite_rule_lookup_by_id() -> None:
    """It finds a rule by its expectation id."""
    suite = load_suite("sales_orders", EXPECTATIONS_DIR)
    assert suite.rule("39ac90db-d8fa-58db-aa4b-4838462d4d2e").name == "revenue_non_negative"


def test_suite_version_is_stable(tmp_path: Path) -> None:
    """It gives an unchanged suite file the same version every time it is loaded."""
    write_spec(tmp_path)
    assert load_suite("sales_orders", tmp_path).version == load_suite("sales_orders", tmp_path).version


def test_suite_version_changes_with_the_rules(tmp_path: Path) -> None:
    """It gives the suite a new version when any rule changes."""
    before = load_suite("sales_orders", write_spec(tmp_path)).version
    write_spec(tmp_path, edit_suite=_set_meta("quantity_not_unusually_large", "severity", "error"))
    assert load_suite("sales_orders", tmp_path).version != before


def test_optional_column_needs_no_not_null_rule(tmp_path: Path) -> None:
    """It accepts a column that is not required and has no not-null rule."""

    def optional_region(spec: Doc) -> None:
        """Mark region as optional."""
        spec["columns"]["region"]["required"] = False

    write_spec(tmp_path, optional_region, _drop_rule("region_not_null"))
    assert not load_dataset("sales", tmp_path).column("region").required


def test_unknown_dataset(tmp_path: Path) -> None:
    """It rejects an unknown dataset name and lists the datasets it knows."""
    write_spec(tmp_path)
    with pytest.raises(SpecError, match=r"unknown dataset 'orders'.*known: sales"):
        load_dataset("orders", tmp_path)


def test_missing_suite_file(tmp_path: Path) -> None:
    """It rejects a spec whose suite file does not exist."""
    write_spec(tmp_path)
    (tmp_path / "sales_orders.json").unlink()
    with pytest.raises(SpecError, match=r"sales_orders\.json not found"):
        load_dataset("sales", tmp_path)


def test_malformed_yaml(tmp_path: Path) -> None:
    """It reports a spec file that is not valid YAML as a SpecError naming the file."""
    write_spec(tmp_path)
    (tmp_path / "sales.yaml").write_text("name: [sales\ncolumns: {", encoding="utf-8")
    with pytest.raises(SpecError, match=r"sales\.yaml"):
        load_dataset("sales", tmp_path)


def test_malformed_suite_json(tmp_path: Path) -> None:
    """It reports a suite file that is not valid JSON as a SpecError."""
    write_spec(tmp_path)
    (tmp_path / "sales_orders.json").write_text('{"name": "sales_orders",', encoding="utf-8")
    with pytest.raises(SpecError):
        load_dataset("sales", tmp_path)


def _spec_edit(path: tuple[str, ...], value: Any) -> Edit:
    """An edit that sets (or, for None, deletes) one nested key of the spec."""

    def edit(spec: Doc) -> None:
        """Set or delete the key."""
        *parents, last = path
        target = spec
        for key in parents:
            target = target[key]
        if value is None:
            del target[last]
        else:
            target[last] = value

    return edit


@pytest.mark.parametrize(
    ("edit_spec", "edit_suite", "message"),
    [
        pytest.param(
            _spec_edit(("analytics", "breakdowns"), [["region"], ["regoin"]]),
            _no_edit,
            r"unknown columns referenced: \['regoin'\]",
            id="breakdown-on-unknown-column",
        ),
        pytest.param(
            _spec_edit(("analytics", "dimensions"), ["region", "channel"]),
            _no_edit,
            r"unknown columns referenced: \['channel'\]",
            id="dimension-on-unknown-column",
        ),
        pytest.param(
            _spec_edit(("derived", "revenue_per_unit"), {"ratio": ["revenue", "units"], "scale": 2}),
            _no_edit,
            r"unknown columns referenced: \['units'\]",
            id="ratio-of-unknown-column",
        ),
        pytest.param(
            _spec_edit(("business_key",), "order_number"),
            _no_edit,
            r"unknown columns referenced: \['order_number'\]",
            id="unknown-business-key",
        ),
        pytest.param(
            _no_edit,
            _set_column("region_in_reference_set", "regoin"),
            r"unknown columns referenced: \['regoin'\]",
            id="rule-on-unknown-column",
        ),
        pytest.param(
            _no_edit,
            _drop_rule("region_not_null"),
            r"required columns without a not-null rule: \['region'\]",
            id="required-column-without-not-null",
        ),
        pytest.param(
            _no_edit,
            _drop_rule("order_id_unique"),
            "no DUPLICATE rule on business key order_id",
            id="no-duplicate-rule",
        ),
        pytest.param(
            _no_edit,
            _set_meta("order_id_unique", "control_type", "DATA_QUALITY"),
            "no DUPLICATE rule on business key order_id",
            id="duplicate-rule-demoted",
        ),
        pytest.param(
            _no_edit,
            _set_meta("revenue_non_negative", "severity", "fatal"),
            "severity is 'fatal'",
            id="bad-severity",
        ),
        pytest.param(
            _no_edit,
            _set_meta("revenue_non_negative", "control_type", "BUSINESS"),
            "control_type is 'BUSINESS'",
            id="bad-control-type",
        ),
        pytest.param(
            _no_edit,
            _set_meta("revenue_non_negative", "error_category", "OOPS"),
            "error_category is 'OOPS'",
            id="bad-error-category",
        ),
        pytest.param(
            _no_edit,
            _del_key("revenue_non_negative", "id"),
            "needs an 'id' and meta.rule",
            id="expectation-without-id",
        ),
        pytest.param(
            _no_edit,
            _del_key("revenue_non_negative", "meta"),
            "needs an 'id' and meta.rule",
            id="expectation-without-meta",
        ),
        pytest.param(
            _spec_edit(("columns", "quantity"), {"type": "number", "required": True}),
            _no_edit,
            "type of quantity is 'number'",
            id="unknown-column-type",
        ),
        pytest.param(
            _spec_edit(("analytics",), None),
            _no_edit,
            "analytics",
            id="missing-analytics-section",
        ),
        pytest.param(
            _no_edit,
            lambda suite: suite.update(name="orders"),
            "needs a fixed 'id' and the name 'sales_orders'",
            id="suite-name-mismatch",
        ),
        pytest.param(
            _no_edit,
            lambda suite: suite.pop("id"),
            "needs a fixed 'id'",
            id="suite-without-id",
        ),
    ],
)
def test_inconsistent_spec_is_rejected(tmp_path: Path, edit_spec: Edit, edit_suite: Edit, message: str) -> None:
    """It refuses a spec or suite that is malformed or disagrees with itself, saying what is wrong."""
    write_spec(tmp_path, edit_spec, edit_suite)
    with pytest.raises(SpecError, match=message):
        load_dataset("sales", tmp_path)


def test_rules_match_the_suite_file_re_read_from_disk() -> None:
    """It reads the rules exactly as expectations/sales_orders.json on disk lists them (not the loader's own copy)."""
    on_disk = json.loads((EXPECTATIONS_DIR / "sales_orders.json").read_text(encoding="utf-8"))["expectations"]
    rules = load_dataset("sales", EXPECTATIONS_DIR).suite.rules
    assert len(on_disk) == 24
    assert [(r.rule_id, r.expectation_type, r.column, r.name, r.error_category, r.severity) for r in rules] == [
        (
            e["id"],
            e["type"],
            e["kwargs"].get("column"),
            e["meta"]["rule"],
            e["meta"]["error_category"],
            e["meta"]["severity"],
        )
        for e in on_disk
    ]
    categories = {r.name: r.error_category for r in rules}
    assert {name: categories[name] for name in LITERAL_CATEGORIES} == LITERAL_CATEGORIES


# A few rules' categories, written out by hand from the README's catalogue.
LITERAL_CATEGORIES = {
    "revenue_not_null": "MISSING_REQUIRED_FIELD",
    "order_date_iso_format": "DATA_FORMAT_ERROR",
    "revenue_is_amount": "DATA_FORMAT_ERROR",
    "quantity_positive": "BUSINESS_RULE_VIOLATION",
    "revenue_non_negative": "BUSINESS_RULE_VIOLATION",
    "region_in_reference_set": "DATA_QUALITY_ISSUE",
    "order_id_unique": "DATA_QUALITY_ISSUE",
}
