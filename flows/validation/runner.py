"""The suite runner: one GX context with a dataset's suite loaded, explicit and owned by whoever made it.

A runner validates any number of frames and renders their Data Docs. It never travels between
processes, and one thread uses it at a time: `borrowed_runner` lends a runner for a suite version
from the process's pool (building one only when all are busy), so a task on a worker gets its own
from the suite it was handed, and later runs in the same process reuse it (GX set-up costs seconds).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from flows.constants import RECORD_ID
from flows.stages.validate import TABLE_LEVEL, empty_findings
from flows.suite import Rule, Suite
from flows.validation.docs import build_run_docs
from flows.validation.docs_results import for_docs
from flows.validation.results import RESULT_FORMAT, findings_of

_idle: dict[tuple[str, str], list[SuiteRunner]] = {}
_idle_lock = threading.Lock()
_warming: dict[tuple[str, str], threading.Thread] = {}


@dataclass(frozen=True)
class SuiteOutcome:
    """What one validation found: one finding per failed check per record, and the trimmed GX result."""

    findings: pd.DataFrame
    docs_result: Any


@contextmanager
def borrowed_runner(suite: Suite) -> Iterator[SuiteRunner]:
    """A runner for the suite's version, the caller's alone until the block ends; then it waits for the next."""
    key = (suite.name, suite.version)
    warming = _warming.get(key)
    if warming is not None:
        warming.join()  # a runner for this suite is being built in the background: wait for it, don't build two
    with _idle_lock:
        idle = _idle.setdefault(key, [])
        runner = idle.pop() if idle else None
    runner = runner or SuiteRunner(suite)
    try:
        yield runner
    finally:
        with _idle_lock:
            _idle[key].append(runner)


def prewarm(suite: Suite) -> None:
    """Build a runner for `suite` in a background thread (importing GX takes seconds), so that it overlaps
    other start-up work such as Prefect's temporary server; the first `borrowed_runner` waits for it."""
    key = (suite.name, suite.version)

    def build() -> None:
        try:
            runner = SuiteRunner(suite)
        except Exception:  # noqa: BLE001 - the run builds its own and reports the error properly
            return
        with _idle_lock:
            _idle.setdefault(key, []).append(runner)

    with _idle_lock:
        if key in _warming or _idle.get(key):
            return
        _warming[key] = threading.Thread(target=build, name=f"prewarm-{suite.name}", daemon=True)
    _warming[key].start()


class SuiteRunner:
    """One GX context and suite; validates frames against the whole suite or only its file-level rules."""

    def __init__(self, suite: Suite) -> None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        import flows.validation.extensions  # noqa: F401  (registers custom expectations)

        self.suite = suite
        self._context = gx.get_context(mode="ephemeral")
        self._context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        batch = self._context.data_sources.add_pandas("pipeline").add_dataframe_asset("frame")
        self._whole = batch.add_batch_definition_whole_dataframe("whole")
        self._rules: dict[str, Rule] = {}
        self._definition = self._define(suite.document, suite.rules)
        schema_rules = tuple(r for r in suite.rules if r.expectation_type in TABLE_LEVEL)
        schema_doc = dict(suite.document, name=f"{suite.name}.schema", id=None)
        schema_doc["expectations"] = [
            {k: v for k, v in e.items() if k != "id"}
            for e in suite.document["expectations"]
            if e["type"] in TABLE_LEVEL
        ]
        self._schema_definition = self._define(schema_doc, schema_rules)
        self._ledger_ids = {gx_id for gx_id, rule in self._rules.items() if rule.ledger}  # GX's ids, not the file's

    def _define(self, document: dict[str, Any], rules: tuple[Rule, ...]) -> Any:
        """Register a suite and its validation definition; map GX's expectation ids to our rules."""
        import great_expectations as gx
        from great_expectations.core import ExpectationSuite

        gx_suite = self._context.suites.add(ExpectationSuite(**document))
        for expectation, rule in zip(gx_suite.expectations, rules, strict=True):
            if expectation.expectation_type != rule.expectation_type:
                raise RuntimeError(
                    f"GX reordered suite {document['name']}: {expectation.expectation_type} vs {rule.name}"
                )
            self._rules[str(expectation.id)] = rule
        definition = gx.ValidationDefinition(name=document["name"], data=self._whole, suite=gx_suite)
        return self._context.validation_definitions.add(definition)

    def check_schema(self, header: Sequence[str]) -> SuiteOutcome:
        """Run only the file-level rules against the header; cheap, so it runs before the rows."""
        empty = pd.DataFrame({name: pd.Series([], dtype="str") for name in header})
        empty.index.name = RECORD_ID
        return self._run(self._schema_definition, empty)

    def validate(self, view: pd.DataFrame, loaded_keys: Sequence[str] = ()) -> SuiteOutcome:
        """Run the whole suite; one finding per failing record and rule (and per failed file rule).

        `loaded_keys` are the keys of `view` that the ledger rule (if the suite has one) must flag: the rule's
        value_set for this validation only, so the Data Docs show the set each file was checked against.
        """
        # looked up each time: GX may hand back a fresh copy of the suite between validations
        ledger = next((e for e in self._definition.suite.expectations if str(e.id) in self._ledger_ids), None)
        if ledger is None:
            return self._run(self._definition, view)
        ledger.value_set = sorted(set(loaded_keys))
        try:
            return self._run(self._definition, view)
        finally:
            ledger.value_set = []

    def build_docs(
        self, results: Sequence[tuple[str, Any]], docs_root: Path, run_id: str, keep_days: int | None = None
    ) -> Path:
        """Add the run's (data asset name, result) pairs to the offline Data Docs site at `docs_root` (see
        validation/site.py); drop runs built more than `keep_days` ago if given; return the run's page."""
        return build_run_docs(self._context, results, docs_root, run_id, keep_days)

    def _run(self, definition: Any, frame: pd.DataFrame) -> SuiteOutcome:
        result = _validate(definition, frame)
        parts = [findings_of(self._rules[str(r.expectation_config.id)], r, frame) for r in result.results]
        parts = [p for p in parts if not p.empty]
        findings = pd.concat(parts, ignore_index=True) if parts else empty_findings()
        return SuiteOutcome(findings=findings, docs_result=for_docs(result, self._rules, frame))


def _validate(definition: Any, frame: pd.DataFrame) -> Any:
    """What ValidationDefinition.run() does, minus serialising the full result into GX's results store.

    That store copy cost 6.9 of 10.8 s per 250k rows (deepcopy + marshmallow of every failing row id);
    the Data Docs store a trimmed copy of their own instead (see docs_results.for_docs).
    """
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.validator.v1_validator import Validator

    validator = Validator(
        batch_definition=definition.batch_definition,
        batch_parameters={"dataframe": frame},
        result_format=RESULT_FORMAT,
    )
    result = validator.validate_expectation_suite(definition.suite)
    run_id = RunIdentifier(run_time=dt.datetime.now(dt.UTC))
    meta: dict[str, Any] = result.meta  # type: ignore[assignment]
    meta.update(
        validation_id=definition.id,
        run_id=run_id,
        validation_time=run_id.run_time,
        batch_parameters={"dataframe": "<DATAFRAME>"},
    )
    return result
