"""GX suites as the pipeline reads them: each expectation with its fixed id and its `meta` (rule name,
control type, error category, severity), plus a hash that versions the suite."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flows.constants import ControlType, ErrorCategory, Severity

SEVERITIES = tuple(Severity)
CONTROL_TYPES = tuple(ControlType)
ERROR_CATEGORIES = tuple(ErrorCategory)


class SpecError(ValueError):
    """A dataset spec or suite file is missing, malformed or inconsistent."""


@dataclass(frozen=True)
class Rule:
    """One expectation of a suite, with the pipeline's reading of its `meta`."""

    rule_id: str
    name: str
    expectation_type: str
    column: str | None
    control_type: str
    error_category: str
    severity: str
    description: str
    columns: tuple[str, ...] = ()  # every column the rule reads (one, a pair, or a column list)
    waivable: bool = False  # meta.waivable: a steward may accept a row that fails only waivable rules
    ledger: bool = False  # meta.ledger: the key must not be loaded already (the pipeline fills its value_set)


@dataclass(frozen=True)
class Suite:
    """A GX suite as loaded from its JSON file, plus a hash that versions it."""

    name: str
    document: dict[str, Any]
    rules: tuple[Rule, ...]
    version: str

    def rule(self, rule_id: str) -> Rule:
        """Return the rule with this expectation id."""
        return next(r for r in self.rules if r.rule_id == rule_id)


def load_suite(name: str, expectations_dir: Path) -> Suite:
    """Load a GX suite JSON file and read each expectation's pipeline meta."""
    path = expectations_dir / f"{name}.json"
    if not path.is_file():
        raise SpecError(f"suite file {path} not found")
    text = path.read_text(encoding="utf-8")
    document = json.loads(text)
    if document.get("name") != name or not document.get("id"):
        raise SpecError(f"{path}: the suite needs a fixed 'id' and the name {name!r}")
    rules = tuple(_parse_rule(e, path) for e in document["expectations"])
    version = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return Suite(name=name, document=document, rules=rules, version=version)


def _parse_rule(expectation: dict[str, Any], path: Path) -> Rule:
    meta = expectation.get("meta") or {}
    where = f"{path}: expectation {expectation.get('type')} {expectation.get('kwargs')}"
    if not expectation.get("id") or "rule" not in meta:
        raise SpecError(f"{where} needs an 'id' and meta.rule")
    return Rule(
        rule_id=expectation["id"],
        name=meta["rule"],
        expectation_type=expectation["type"],
        column=expectation["kwargs"].get("column"),
        control_type=one_of(meta.get("control_type"), CONTROL_TYPES, f"{where} control_type"),
        error_category=one_of(meta.get("error_category"), ERROR_CATEGORIES, f"{where} error_category"),
        severity=one_of(meta.get("severity"), SEVERITIES, f"{where} severity"),
        description=meta.get("description", ""),
        columns=_rule_columns(expectation["kwargs"]),
        waivable=_flag(meta.get("waivable", False), f"{where} waivable"),
        ledger=_flag(meta.get("ledger", False), f"{where} ledger"),
    )


def _flag(value: Any, what: str) -> bool:
    """A meta flag: true or false, nothing else."""
    if not isinstance(value, bool):
        raise SpecError(f"{what} is {value!r}; expected true or false")
    return value


def _rule_columns(kwargs: dict[str, Any]) -> tuple[str, ...]:
    """The columns an expectation reads: `column`, `column_A`/`column_B` or `column_list`."""
    if kwargs.get("column"):
        return (str(kwargs["column"]),)
    if kwargs.get("column_A"):
        return (str(kwargs["column_A"]), str(kwargs["column_B"]))
    return tuple(str(c) for c in kwargs.get("column_list") or ())


def one_of(value: Any, allowed: tuple[str, ...], what: str) -> str:
    """`value` as text if it is one of `allowed`, else a SpecError naming `what`."""
    if value not in allowed:
        raise SpecError(f"{what} is {value!r}; expected one of {', '.join(allowed)}")
    return str(value)
