"""Modules stay small (the import layers themselves are checked by `lint-imports` in `make lint`)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 220
PACKAGES = ("flows", "panel_app")


def test_no_module_is_longer_than_220_lines() -> None:
    """It finds no module in flows/ or panel_app/ (migrations aside) of more than 220 lines."""
    modules = [p for package in PACKAGES for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts]
    sizes = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines()) for p in modules}
    assert len(sizes) > 50  # it did find the code
    assert {name: lines for name, lines in sizes.items() if lines > MAX_LINES} == {}
