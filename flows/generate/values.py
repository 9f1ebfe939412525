"""The values a generated sales file is made of: regions, products and their prices, and the bad values planted."""

from __future__ import annotations

import numpy as np
import pandas as pd

REGIONS = ("North", "South", "East", "West", "Central")
REGION_WEIGHTS = (0.24, 0.22, 0.18, 0.21, 0.15)
PRODUCT_PRICES = {"Sauces": 120.0, "Ready-to-Eat": 185.0, "Dairy": 64.0, "Snacks": 35.0, "Beverages": 48.0}
COLUMNS = ("order_id", "order_date", "region", "product", "quantity", "revenue")
BAD_REGIONS = ("Nort", "Sooth", "Eastt", "Wset", "Mumbai", "Northeast", "Centre", "N/A")
BAD_PRODUCTS = ("Pickles", "Frozen Foods", "Bakery", "Snack", "Beverage", "Sauce")
BAD_REVENUES = ("N/A", "twelve hundred", "12..50", "#VALUE!", "abc")
BAD_DATE_TEXT = ("not a date", "TBD", "yesterday")


def revenue_text(products: pd.Series, quantity: pd.Series, rng: np.random.Generator) -> np.ndarray:
    """Revenue as text with two decimals: the product's price, varied by up to 15 %, times the quantity."""
    unit = products.map(PRODUCT_PRICES).to_numpy(float) * rng.uniform(0.85, 1.15, len(products))
    paise = np.round(unit * quantity.to_numpy(float) * 100).astype(np.int64)
    rupees, cents = pd.Series(paise // 100).astype(str), pd.Series(paise % 100).astype(str).str.zfill(2)
    return (rupees + "." + cents).to_numpy(str)
