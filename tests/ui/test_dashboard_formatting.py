"""Dashboard formatting: Indian digit grouping, text that stays text, and formula-safe CSV."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from panel_app.formatting import (
    format_inr,
    format_inr_short,
    format_number,
    format_percent,
    group_indian,
    neutralize_cell,
    sparkline,
    text,
    to_csv,
)


@pytest.mark.parametrize(
    ("digits", "grouped"),
    [
        ("1", "1"),
        ("123", "123"),
        ("1234", "1,234"),
        ("12345", "12,345"),
        ("123456", "1,23,456"),
        ("1234567", "12,34,567"),
        ("123456789", "12,34,56,789"),
    ],
)
def test_digits_are_grouped_the_indian_way(digits: str, grouped: str) -> None:
    """It groups the last three digits, then pairs."""
    assert group_indian(digits) == grouped


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1234567.891, "₹12,34,567.89"),
        (0, "₹0.00"),
        (-1234.5, "-₹1,234.50"),
        (0.005, "₹0.01"),
        ("6454518.39", "₹64,54,518.39"),
        (None, "–"),
        (float("nan"), "–"),
        ("abc", "–"),
    ],
)
def test_rupees_are_shown_with_indian_grouping(value: object, shown: str) -> None:
    """It writes rupees as ₹12,34,567.89, rounding half up, and a dash when there is no number."""
    assert format_inr(value) == shown


def test_counts_percentages_and_short_amounts() -> None:
    """It groups counts in threes (Indian when asked), writes shares as percentages, amounts in lakh and crore."""
    assert format_number(4263) == "4,263"
    assert format_number(12345678) == "12,345,678"
    assert format_number(12345678, indian=True) == "1,23,45,678"
    assert format_percent(0.97254) == "97.3 %"
    assert format_inr_short(1234567) == "₹12.35 L"
    assert format_inr_short(123456789) == "₹12.35 Cr"
    assert format_inr_short(4500) == "₹4.50 K"


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=1+2", "'=1+2"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("-12.50", "-12.50"),
        ("+3", "+3"),
        ("-0.5", "-0.5"),
        ("North", "North"),
        ("", ""),
        (-12.5, -12.5),
        (7, 7),
    ],
)
def test_formula_cells_are_neutralised_but_numbers_are_not(cell: object, safe: object) -> None:
    """It prefixes an apostrophe to text that starts like a formula, and leaves genuine numbers alone."""
    assert neutralize_cell(cell) == safe


def test_csv_export_neutralises_every_text_cell_and_keeps_numbers() -> None:
    """The CSV keeps numeric columns numeric and neutralises text cells and headers."""
    frame = pd.DataFrame(
        {"region": ['=HYPERLINK("http://x")', "North"], "revenue": ["-12.50", "@SUM(A1)"], "n": [-3, 4]}
    )
    rows = list(csv.reader(io.StringIO(to_csv(frame).getvalue())))
    assert rows[0] == ["region", "revenue", "n"]
    assert rows[1] == ['\'=HYPERLINK("http://x")', "-12.50", "-3"]
    assert rows[2] == ["North", "'@SUM(A1)", "4"]


def test_values_are_escaped_and_trends_drawn() -> None:
    """Data values reach HTML escaped; a sparkline runs from low to high."""
    assert text('<img src=x onerror="alert(1)">') == "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"
    assert text(None) == ""
    assert sparkline([0, 1, 2]) == "▁▅█"
    assert sparkline([3, 3]) == "▁▁"
