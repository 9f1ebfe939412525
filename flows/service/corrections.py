"""What each steward action leads to: a refusal with its reason, a promotion (typed exactly like a file's
rows), a correction that still fails (with its new findings), a dismissal or a reopening.

Corrected rows are validated again by the dataset's own suite through the GX runner, with the run's
business keys: a corrected key that a clean row of the run already uses is a duplicate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from flows.constants import RECORD_ID, ControlType, ExceptionStatus, RunStatus, Severity, StewardAction
from flows.dataset import DatasetSpec
from flows.service.ledger import check_ledger
from flows.service.ports import UnitOfWork
from flows.stages.corrections import Line, Refusal, corrected_values
from flows.stages.ledger import with_ledger_details
from flows.stages.route import split_failures
from flows.stages.transform import type_clean_rows
from flows.stages.validate import as_findings, empty_findings, row_findings, validation_view
from flows.validation.runner import SuiteRunner

EXACT_COPY = "exact duplicate"  # how stages.keys words a later copy of a kept record
RESEND_REFUSAL = "a resend of a row the ledger already counts cannot be waived: dismiss it"


@dataclass
class Decisions:
    """A batch sorted by outcome; `typed` holds the promoted rows, typed, indexed by record id."""

    promote: list[tuple[Line, dict[str, Any], dict[str, str] | None]] = field(default_factory=list)
    still_open: list[tuple[Line, dict[str, Any], dict[str, str], list[Any]]] = field(default_factory=list)
    dismiss: list[tuple[Line, dict[str, Any]]] = field(default_factory=list)
    reopen: list[tuple[Line, dict[str, Any]]] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    typed: list[pd.DataFrame] = field(default_factory=list)
    supersedes: dict[int, int] = field(default_factory=dict)  # promoted record id -> the ledger row it replaces
    docs: list[tuple[str, Any]] = field(default_factory=list)  # (data asset name, GX result) for the Data Docs


def decide(uow: UnitOfWork, spec: DatasetSpec, lines: list[Line], runner: SuiteRunner) -> Decisions:
    """Check every line against its exception and the suite; say what each leads to."""
    found = uow.exceptions.find(line.exception_id for line in lines)
    out, corrections, waivers = Decisions(), [], []
    for line in lines:
        exception = found.get(line.exception_id)
        reason = _status_problem(line, exception, spec)
        if reason is None and exception is not None:
            if line.action == StewardAction.CORRECT:
                changes, reason = corrected_values(_received(exception), line.cells)
                corrections.append((line, exception, changes))
            elif line.action == StewardAction.WAIVE:
                reason = _waiver_problem(exception, spec)
                waivers.append((line, exception))
            elif line.action == StewardAction.DISMISS:
                out.dismiss.append((line, exception))
            else:
                out.reopen.append((line, exception))
        if reason is not None:
            out.refused.append(Refusal(line.number, str(line.exception_id), reason))
            corrections = [c for c in corrections if c[0] is not line]
            waivers = [w for w in waivers if w[0] is not line]
    _revalidate(uow, spec, corrections, runner, out)
    _type_waived(uow, spec, waivers, out)
    return out


def _status_problem(line: Line, exception: dict[str, Any] | None, spec: DatasetSpec) -> str | None:
    if exception is None:
        return f"unknown exception id {line.exception_id}"
    if exception["dataset"] != spec.name:
        return f"exception {line.exception_id} belongs to dataset {exception['dataset']}, not {spec.name}"
    if exception.get("run_status", RunStatus.COMPLETED) != RunStatus.COMPLETED:
        return f"exception {line.exception_id} is from run {exception['run_id']}, which is not COMPLETED"
    is_open = exception["status"] == ExceptionStatus.OPEN
    if line.action == StewardAction.REOPEN and is_open:
        return f"exception {line.exception_id} is already OPEN"
    if line.action != StewardAction.REOPEN and not is_open:
        return f"exception {line.exception_id} is closed ({exception['status']}); reopen it first"
    return None


def _waiver_problem(exception: dict[str, Any], spec: DatasetSpec) -> str | None:
    """Why this row cannot be waived: a rule it failed is not waivable (or not a suite rule), or it is a copy."""
    waivable = {r.name for r in spec.suite.rules if r.waivable}
    for finding in json.loads(exception["error_details"]):
        if finding.get("severity") != Severity.ERROR:
            continue
        if finding["rule"] not in waivable:
            return f"rule {finding['rule']} is not waivable: correct or dismiss the row"
        if str(finding.get("details") or "").startswith(EXACT_COPY):
            return "an exact copy of a kept record cannot be waived: dismiss it"
    return None


def _received(exception: dict[str, Any]) -> dict[str, str]:
    values = json.loads(exception["raw_data"])
    return {k: "" if v is None else str(v) for k, v in values.items()}


def _rows(spec: DatasetSpec, items: list[tuple[dict[str, Any], dict[str, str]]]) -> pd.DataFrame:
    """Source rows as text (values as received, then the changes), indexed by record id."""
    records = [{c: {**_received(e), **changes}.get(c, "") for c in spec.column_names} for e, changes in items]
    ids = pd.Index([int(e["original_record_id"]) for e, _ in items], name=RECORD_ID, dtype="int64")
    return pd.DataFrame(records, index=ids, columns=spec.column_names, dtype="str")


def _revalidate(
    uow: UnitOfWork,
    spec: DatasetSpec,
    corrections: list[tuple[Line, dict[str, Any], dict[str, str]]],
    runner: SuiteRunner,
    out: Decisions,
) -> None:
    """Validate corrected rows with the suite, run by run; passing rows are typed, the others stay open."""
    for run_id in sorted({e["run_id"] for _, e, _ in corrections}):
        batch = [(line, e, changes) for line, e, changes in corrections if e["run_id"] == run_id]
        text = _rows(spec, [(e, changes) for _, e, changes in batch])
        view = validation_view(text, text.index.to_series(), spec.missing_values)
        ledger = check_ledger(uow, spec, view)
        outcome = runner.validate(view, ledger.flagged_keys(spec.key_conflict))
        out.docs.append((f"{spec.name}: {len(batch)} corrected rows of run {run_id}", outcome.docs_result))
        findings = with_ledger_details(row_findings(outcome.findings), ledger, spec.ledger_rule)
        findings = pd.concat([findings, _taken_keys(uow, spec, run_id, view)], ignore_index=True)
        routed = split_failures(text, findings)
        clean = text.loc[routed.clean_ids]
        typed = type_clean_rows(validation_view(clean, clean.index.to_series(), spec.missing_values), spec)
        reasons = {
            int(r["original_record_id"]): json.loads(r["error_details"])
            for part in (routed.exceptions, typed.rejects)
            for r in part.to_dict("records")
        }
        for line, exception, changes in batch:
            record = int(exception["original_record_id"])
            if record in reasons:
                out.still_open.append((line, exception, changes, reasons[record]))
            else:
                out.promote.append((line, exception, changes))
        replaces = ledger.supersedes(spec.key_conflict).reindex(typed.clean.index).dropna()
        out.supersedes.update(zip(replaces.index.astype(int), replaces.astype(int), strict=True))
        out.typed.append(typed.clean)


def _taken_keys(uow: UnitOfWork, spec: DatasetSpec, run_id: str, view: pd.DataFrame) -> pd.DataFrame:
    """Duplicate findings for corrected rows whose business key a clean row of the run already has."""
    rules = [
        r
        for r in spec.suite.rules
        if r.control_type == ControlType.DUPLICATE and r.column == spec.business_key and not r.ledger
    ]
    keys = view[spec.business_key]
    given = [str(k) for k in keys.dropna().unique()]
    taken = keys[keys.isin(list(uow.exceptions.clean_keys(run_id, spec, given)))] if given else keys.iloc[:0]
    if not rules or taken.empty:
        return empty_findings()
    detail = f"conflicting duplicate: {spec.business_key} is already used by a clean record of the run"
    ids = pd.Series(taken.index.to_numpy(), dtype="Int64")
    return as_findings(rules[0], ids, taken.to_numpy(), detail)


def _type_waived(
    uow: UnitOfWork, spec: DatasetSpec, waivers: list[tuple[Line, dict[str, Any]]], out: Decisions
) -> None:
    """Type waived rows as received, exactly like a file's; one that will not type is refused, and so is a resend
    of a row the ledger counts. Waiving a conflict with the ledger accepts the new row: it replaces the old one."""
    if not waivers:
        return
    text = _rows(spec, [(e, {}) for _, e in waivers])
    view = validation_view(text, text.index.to_series(), spec.missing_values)
    typed = type_clean_rows(view, spec)
    ledger = check_ledger(uow, spec, view)
    failed = {int(i) for i in typed.rejects["original_record_id"]}
    resent = set(ledger.resent.index.tolist())
    for line, exception in waivers:
        record = int(exception["original_record_id"])
        if record in failed:
            out.refused.append(Refusal(line.number, str(line.exception_id), "its values as received cannot be typed"))
        elif record in resent:
            out.refused.append(Refusal(line.number, str(line.exception_id), RESEND_REFUSAL))
        else:
            out.promote.append((line, exception, None))
    earlier = ledger.conflicts["earlier_record"]
    out.supersedes.update(zip(earlier.index.astype(int), earlier.astype(int), strict=True))
    out.typed.append(typed.clean)
