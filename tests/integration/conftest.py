"""Fixtures shared by the integration modules: the session's deployed Prefect stack (tests/integration/deployed.py)."""

from tests.integration.deployed import deployed  # noqa: F401 - a fixture, used by name
