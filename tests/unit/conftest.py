"""Unit-tier fixtures: the real sales dataset spec, loaded once per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from flows.dataset import DatasetSpec, load_dataset
from flows.validation.runner import SuiteRunner, borrowed_runner
from tests.factories import EXPECTATIONS_DIR


@pytest.fixture(scope="session")
def sales_runner(spec: DatasetSpec) -> Iterator[SuiteRunner]:
    """The sales suite's GX runner, borrowed for the session: building one imports GX and costs seconds."""
    with borrowed_runner(spec.suite) as runner:
        yield runner


@pytest.fixture(scope="session")
def spec() -> DatasetSpec:
    """The committed sales spec and its GX suite, as the pipeline loads them."""
    return load_dataset("sales", EXPECTATIONS_DIR)
