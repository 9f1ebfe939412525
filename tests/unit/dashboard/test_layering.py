"""How the dashboard is laid out: what it may import from flows (no Prefect, GX or SQL), and module size."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PANEL_APP = Path(__file__).resolve().parents[3] / "panel_app"
ALLOWED_FLOWS = {"flows.storage.read", "flows.constants", "flows.dataset", "flows.suite", "flows.settings"}
FORBIDDEN_ROOTS = {"prefect", "great_expectations", "sqlalchemy"}
MAX_LINES = 220
MODULES = sorted(PANEL_APP.rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports (`import a.b` and `from a.b import c`)."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            base = node.module
            modules |= {f"{base}.{alias.name}" if base == "flows.storage" else base for alias in node.names}
    return modules


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PANEL_APP)))
def test_it_reads_only_through_the_read_api_and_the_spec_model(path: Path) -> None:
    """It imports nothing of flows but the read API, constants, spec model and settings; no Prefect, GX or SQL."""
    modules = imported_modules(path)
    flows = {m for m in modules if m == "flows" or m.startswith("flows.")}
    assert flows <= ALLOWED_FLOWS
    assert not {m.split(".")[0] for m in modules} & FORBIDDEN_ROOTS


def test_it_keeps_every_module_small() -> None:
    """It has no module of more than 220 lines."""
    sizes = {str(p.relative_to(PANEL_APP)): len(p.read_text(encoding="utf-8").splitlines()) for p in MODULES}
    assert {name: lines for name, lines in sizes.items() if lines > MAX_LINES} == {}
