"""How a spec's numbers are written: decimal places from `scale`, the currency, and the digit grouping."""

from __future__ import annotations

import pytest

from panel_app.presentation import presentation
from tests.unit.dashboard.specs import LAB, LAB_WITHOUT_CURRENCY, TEA


def test_a_measure_has_its_columns_scale_and_a_derived_measure_its_ratios_scale() -> None:
    """It gives price (scale 4) 4 places, the derived price per minute 6 and minutes (an integer) none."""
    p = presentation(LAB)
    assert [(m.name, m.places, m.currency) for m in p.measures] == [
        ("price", 4, "EUR"),
        ("minutes", 0, None),
        ("price_per_minute", 6, "EUR"),
    ]
    assert (p.per_record.places, p.per_record.currency, p.decimals) == (4, "EUR", 6)


@pytest.mark.parametrize(
    ("spec", "price", "per_record", "count"),
    [
        (LAB, "€1,244.6913", "-€0.1235", "1,234,567"),
        (LAB_WITHOUT_CURRENCY, "1,244.6913", "-0.1235", "1,234,567"),
    ],
)
def test_euros_and_plain_numbers_at_4_places_are_grouped_in_threes(
    spec: object, price: str, per_record: str, count: str
) -> None:
    """It keeps the spec's 4 places (rounding half up) and groups counts in threes."""
    p = presentation(spec)  # type: ignore[arg-type]
    assert p.headline.format(1244.69128) == price
    assert p.per_record.format(-0.12345) == per_record
    assert p.count(1234567) == count and not p.indian


def test_an_inr_dataset_writes_rupees_and_every_count_the_indian_way() -> None:
    """It writes revenue (scale 2) as ₹1,02,550.74 and quantities and counts as 12,34,567."""
    p = presentation(TEA)
    assert p.indian and p.decimals == 2
    assert p.headline.format(102550.74) == "₹1,02,550.74"
    assert p.measure("quantity").format(1234567) == "12,34,567"
    assert p.count(1234567) == "12,34,567"
    assert p.per_record.format(10255.074) == "₹10,255.07"
