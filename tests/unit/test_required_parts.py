"""The one rule for outside parts (PostgreSQL, Chromium): run when there, else fail when required, else skip."""

from __future__ import annotations

import pytest

from tests.conftest import availability, is_required, require


@pytest.mark.parametrize("value", ["1", "true", "TRUE", "yes", "Yes", " 1 "])
def test_a_setting_is_on_for_1_true_or_yes(value: str) -> None:
    """It reads 1, true and yes, in any case and with padding, as on."""
    assert is_required("REQUIRE_BROWSER", {"REQUIRE_BROWSER": value}) is True


@pytest.mark.parametrize("value", ["", "0", "false", "no", "on", "2"])
def test_a_setting_is_off_otherwise(value: str) -> None:
    """It reads anything else, the empty string included, as off."""
    assert is_required("REQUIRE_BROWSER", {"REQUIRE_BROWSER": value}) is False


def test_ci_alone_requires_nothing() -> None:
    """It ignores CI, whatever its value: only the REQUIRE_* settings make a missing part a failure."""
    assert is_required("REQUIRE_BROWSER", {"CI": "true"}) is False
    assert is_required("REQUIRE_POSTGRES", {"CI": "1"}) is False


@pytest.mark.parametrize(
    ("available", "required", "decision"),
    [(True, True, "run"), (True, False, "run"), (False, True, "fail"), (False, False, "skip")],
)
def test_the_decision(available: bool, required: bool, decision: str) -> None:
    """It runs when the part is there, fails when it is missing and required, and skips otherwise."""
    assert availability(available, required) == decision


def test_require_fails_a_missing_required_part(monkeypatch: pytest.MonkeyPatch) -> None:
    """It turns a missing part into a test failure that names the setting when the setting is on."""
    monkeypatch.setenv("REQUIRE_BROWSER", "yes")
    with pytest.raises(pytest.fail.Exception, match=r"no chromium here \(REQUIRE_BROWSER is set"):
        require("REQUIRE_BROWSER", False, "no chromium here")


def test_require_skips_a_missing_optional_part(monkeypatch: pytest.MonkeyPatch) -> None:
    """It skips with the reason, and says how to make it a failure, when the setting is off (even with CI=1)."""
    monkeypatch.delenv("REQUIRE_BROWSER", raising=False)
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.skip.Exception, match=r"no chromium here \(set REQUIRE_BROWSER=1"):
        require("REQUIRE_BROWSER", False, "no chromium here")


def test_require_returns_when_the_part_is_there(monkeypatch: pytest.MonkeyPatch) -> None:
    """It lets the test run when the part is there, required or not."""
    monkeypatch.setenv("REQUIRE_BROWSER", "1")
    require("REQUIRE_BROWSER", True, "unused")
