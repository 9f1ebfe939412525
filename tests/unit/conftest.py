"""Unit-tier fixtures: the real sales dataset spec, loaded once per session."""

from __future__ import annotations

import pytest

from flows.dataset import DatasetSpec, load_dataset
from tests.factories import EXPECTATIONS_DIR


@pytest.fixture(scope="session")
def spec() -> DatasetSpec:
    """The committed sales spec and its GX suite, as the pipeline loads them."""
    return load_dataset("sales", EXPECTATIONS_DIR)
