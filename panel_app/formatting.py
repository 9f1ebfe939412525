"""Numbers as the reader writes them (Indian grouping for INR datasets), text that is always text, and safe CSV."""

from __future__ import annotations

import html
import io
import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")  # what spreadsheets read as the start of a formula
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
SPARKS = "▁▂▃▄▅▆▇█"
CURRENCY_SYMBOLS = {"INR": "₹", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


def group_indian(digits: str) -> str:
    """Group a string of digits the Indian way: the last three, then pairs (12,34,567)."""
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    pairs = [head[max(0, i - 2) : i] for i in range(len(head), 0, -2)][::-1]
    return ",".join([*pairs, tail])


def group_thousands(digits: str) -> str:
    """Group a string of digits in threes (1,234,567)."""
    return f"{int(digits):,}" if digits else digits


def _decimal(value: object, places: int) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite():
        return None
    return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def format_number(value: object, places: int = 0, indian: bool = False) -> str:
    """A number grouped in threes (1,234,567.89), or the Indian way (12,34,567.89); '–' when there is none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    number = _decimal(value, places)
    if number is None:
        return "–"
    sign = "-" if number < 0 else ""
    whole, _, fraction = f"{abs(number):.{places}f}".partition(".")
    grouped = group_indian(whole) if indian else group_thousands(whole)
    return sign + grouped + (f".{fraction}" if places else "")


def format_inr(value: object, places: int = 2) -> str:
    """Rupees with Indian digit grouping: ₹12,34,567.89 (negative: -₹1,234.00)."""
    number = format_number(value, places, indian=True)
    if number == "–":
        return number
    return "-₹" + number[1:] if number.startswith("-") else "₹" + number


def format_inr_short(value: float) -> str:
    """Rupees in crore, lakh or thousand for chart labels: ₹1.23 Cr, ₹12.35 L, ₹4.5 K."""
    for size, unit in ((1e7, "Cr"), (1e5, "L"), (1e3, "K")):
        if abs(value) >= size:
            return f"₹{value / size:.2f} {unit}"
    return f"₹{value:.0f}"


def currency_symbol(currency: str) -> str:
    """The symbol of an ISO currency code (₹ for INR), or the code and a space."""
    return CURRENCY_SYMBOLS.get(currency, f"{currency} ")


def format_money(value: object, currency: str | None, places: int = 2) -> str:
    """An amount: rupees as format_inr, another currency with its symbol and grouping in threes, or a plain number."""
    if currency == "INR":
        return format_inr(value, places)
    number = format_number(value, places, indian=False)
    if currency is None or number == "–":
        return number
    sign, digits = ("-", number[1:]) if number.startswith("-") else ("", number)
    return f"{sign}{currency_symbol(currency)}{digits}"


def format_short(value: float, currency: str | None = None) -> str:
    """A chart label: rupees in crore/lakh/thousand, else thousands, millions and billions ($1.23 M, 4.50 K)."""
    if currency == "INR":
        return format_inr_short(value)
    prefix = currency_symbol(currency) if currency else ""
    for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= size:
            return f"{prefix}{value / size:.2f} {unit}"
    return f"{prefix}{value:.0f}" if currency else f"{value:.2f}".rstrip("0").rstrip(".")


def format_percent(value: float | None, places: int = 1) -> str:
    """A share (0..1) as a percentage: 97.3 %."""
    return "–" if value is None or math.isnan(value) else f"{value * 100:.{places}f} %"


def signed(text: str, value: float) -> str:
    """Prefix a formatted change with + when it is positive (negatives carry their own sign)."""
    return f"+{text}" if value > 0 else text


def text(value: object) -> str:
    """Any value from the data, escaped for HTML so it always shows as text."""
    return html.escape("" if value is None else str(value), quote=True)


def sparkline(values: list[float]) -> str:
    """A one-line trend of the values, low to high: ▁▃█."""
    if not values:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    return "".join(SPARKS[0 if high == low else round((v - low) / span * (len(SPARKS) - 1))] for v in values)


def neutralize_cell(value: object) -> object:
    """A cell safe to open in a spreadsheet: text starting like a formula gets a leading apostrophe.

    Genuine numbers (-12.50, +3) are left alone, so negative amounts stay numeric.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def to_csv(frame: pd.DataFrame) -> io.StringIO:
    """The frame as CSV with every text cell neutralised against formula injection."""
    buffer = io.StringIO()
    safe = frame.copy()
    safe.columns = [str(neutralize_cell(str(c))) for c in frame.columns]
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]):
            safe[column] = safe[column].map(neutralize_cell)
    safe.to_csv(buffer, index=False)
    buffer.seek(0)
    return buffer
