"""The dashboard's unit tier: a DataStore over the fake reader's tea orders and lab assays."""

from __future__ import annotations

import pytest

from panel_app.data_store import DataStore
from panel_app.selection import THIS_FILE
from tests.unit.dashboard.fakes import FakeDatabase, FakeReader
from tests.unit.dashboard.results import lab, tea

TEA, LAB = "tea_orders", "lab_assays"


@pytest.fixture
def db() -> FakeDatabase:
    """A fresh fake database with both datasets."""
    return FakeDatabase({TEA: tea(), LAB: lab()})


@pytest.fixture
def store(db: FakeDatabase) -> DataStore:
    """A DataStore opened on the tea orders (the reader's dataset), showing the selected run's file."""
    return DataStore(FakeReader(db, TEA), scope=THIS_FILE)


@pytest.fixture
def lab_store(db: FakeDatabase) -> DataStore:
    """A DataStore opened on the lab assays (euros at 4 decimals), showing the selected run's file."""
    return DataStore(FakeReader(db, TEA), dataset=LAB, scope=THIS_FILE)
