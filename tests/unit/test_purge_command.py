"""The purge command line before it touches a database: an unset policy and a wrong argument."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.purge import main


@pytest.fixture(autouse=True)
def no_policy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No retention setting, and a database path that must stay unopened (no file is created)."""
    monkeypatch.delenv("RAW_RETENTION_DAYS", raising=False)
    monkeypatch.delenv("VALIDATION_RETENTION_DAYS", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'never.db'}")


def test_an_unset_policy_removes_nothing_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It exits 0 naming the settings, without opening the database."""
    assert main([]) == 0
    assert "retention unset" in capsys.readouterr().out
    assert not (tmp_path / "never.db").exists()


def test_a_negative_age_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """It refuses --older-than-days -1 with exit code 2."""
    with pytest.raises(SystemExit) as exit_:
        main(["--older-than-days", "-1"])
    assert exit_.value.code == 2 and "0 or more" in capsys.readouterr().err


def test_a_negative_setting_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """It will not start with RAW_RETENTION_DAYS below 0 (the settings object refuses it)."""
    monkeypatch.setenv("RAW_RETENTION_DAYS", "-5")
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        main([])
