"""Validate: run the dataset's GX suite over the text values and collect one finding per failure.

The suite is the single source of truth for the rules; this module only runs it and reads the
results. GX reports failing rows by record id (the frame's index), never by value, and a crashed
expectation is an error, never "no failures" (see docs/decisions.md).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import pandas as pd

from flows.suite import Rule, Suite

FINDING_COLUMNS = (
    "record_id",
    "rule_id",
    "rule_name",
    "expectation_type",
    "column_name",
    "control_type",
    "error_category",
    "severity",
    "observed_value",
    "details",
)
TABLE_LEVEL = ("expect_column_to_exist", "expect_table_columns_to_match_set")
RESULT_FORMAT = {
    "result_format": "COMPLETE",
    "partial_unexpected_count": 10**9,  # the id list is silently cut to 20 otherwise
    "include_unexpected_rows": False,
}


class ValidationCrashed(RuntimeError):
    """An expectation raised inside GX: its result cannot be trusted."""


def validation_view(
    source_frame: pd.DataFrame, record_ids: pd.Series, missing_values: Sequence[str] = ("",)
) -> pd.DataFrame:
    """The frame GX sees: the file's columns as text, indexed by record id; missing values are null.

    `missing_values` are the dataset's "no value" markers: the empty field, and for example the
    placeholders `ERROR` and `UNKNOWN` (the raw table and the exceptions keep them as received).
    """
    if tuple(missing_values) == ("",):
        view = source_frame.where(source_frame != "", None)
    else:
        view = source_frame.where(~source_frame.isin(list(missing_values)), None)
    view.index = pd.Index(record_ids.to_numpy(), name="record_id")
    return view


class SuiteValidator:
    """One GX context and suite per run; validates any number of frames against it."""

    def __init__(self, suite: Suite) -> None:
        import great_expectations as gx
        from great_expectations.core import ExpectationSuite
        from great_expectations.data_context.types.base import ProgressBarsConfig

        import flows.stages.gx_extensions  # noqa: F401  (registers custom expectations)

        logging.getLogger("great_expectations").setLevel(logging.WARNING)
        self.suite = suite
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        batch = self.context.data_sources.add_pandas("pipeline").add_dataframe_asset("frame")
        self._whole = batch.add_batch_definition_whole_dataframe("whole")
        self._rules: dict[str, Rule] = {}
        self.definition = self._define(suite.document, suite.rules, ExpectationSuite, gx.ValidationDefinition)
        schema_rules = tuple(r for r in suite.rules if r.expectation_type in TABLE_LEVEL)
        schema_doc = dict(suite.document, name=f"{suite.name}.schema", id=None)
        schema_doc["expectations"] = [
            {k: v for k, v in e.items() if k != "id"}
            for e in suite.document["expectations"]
            if e["type"] in TABLE_LEVEL
        ]
        self.schema_definition = self._define(schema_doc, schema_rules, ExpectationSuite, gx.ValidationDefinition)
        self.last_result: Any = None

    def _define(self, document: dict[str, Any], rules: tuple[Rule, ...], suite_cls: Any, definition_cls: Any) -> Any:
        """Register a suite and its validation definition; map GX's expectation ids to our rules."""
        gx_suite = self.context.suites.add(suite_cls(**document))
        for expectation, rule in zip(gx_suite.expectations, rules, strict=True):
            if expectation.expectation_type != rule.expectation_type:
                raise RuntimeError(
                    f"GX reordered suite {document['name']}: {expectation.expectation_type} vs {rule.name}"
                )
            self._rules[str(expectation.id)] = rule
        return self.context.validation_definitions.add(
            definition_cls(name=document["name"], data=self._whole, suite=gx_suite)
        )

    def check_schema(self, header: Sequence[str]) -> pd.DataFrame:
        """Run only the file-level rules against the header; cheap, so it runs before the rows."""
        empty = pd.DataFrame({name: pd.Series([], dtype="str") for name in header})
        empty.index.name = "record_id"
        return self._run(self.schema_definition, empty)

    def validate(self, view: pd.DataFrame) -> pd.DataFrame:
        """Run the whole suite; one finding per failing record and rule (and per failed file rule)."""
        return self._run(self.definition, view)

    def _run(self, definition: Any, frame: pd.DataFrame) -> pd.DataFrame:
        result = _validate(definition, frame)
        self.last_result = result
        parts = [_findings(self._rules[str(r.expectation_config.id)], r, frame) for r in result.results]
        parts = [p for p in parts if not p.empty]
        if not parts:
            return empty_findings()
        return pd.concat(parts, ignore_index=True)


def _validate(definition: Any, frame: pd.DataFrame) -> Any:
    """What ValidationDefinition.run() does, minus serialising the full result into GX's results store.

    That store copy cost 6.9 of 10.8 s per 250k rows (deepcopy + marshmallow of every failing row id);
    the Data Docs store a trimmed copy of their own instead (see trim_for_docs).
    """
    import datetime as dt

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


def empty_findings() -> pd.DataFrame:
    """A findings frame with no rows."""
    frame = pd.DataFrame({c: pd.Series([], dtype="str") for c in FINDING_COLUMNS})
    frame["record_id"] = frame["record_id"].astype("Int64")
    return frame


def _findings(rule: Rule, result: Any, frame: pd.DataFrame) -> pd.DataFrame:
    if _crashed(result.exception_info):
        raise ValidationCrashed(f"rule {rule.name} could not be evaluated: {_crash_message(result.exception_info)}")
    if result.success:
        return empty_findings()
    if rule.expectation_type in TABLE_LEVEL:
        details = _table_details(rule, result.result)
        return as_findings(rule, pd.Series([pd.NA], dtype="Int64"), [None], [details])
    index_list = result.result.get("unexpected_index_list") or []
    expected = result.result.get("unexpected_count")
    if len(index_list) != expected:
        raise ValidationCrashed(f"rule {rule.name}: GX returned {len(index_list)} row ids for {expected} failures")
    ids = pd.Series([int(item["record_id"]) for item in index_list], dtype="Int64")
    return as_findings(rule, ids, _observed(frame, ids.to_numpy(dtype="int64"), rule), None)


def _observed(frame: pd.DataFrame, ids: Any, rule: Rule) -> Any:
    """The failing values: the column's value, or `a=..., b=...` for a rule over several columns."""
    if rule.column:
        return frame.loc[ids, rule.column].to_numpy()
    if not rule.columns:
        return None
    rows = frame.loc[ids, list(rule.columns)].fillna("(missing)").astype(str)
    parts = [f"{c}=" + rows[c] for c in rule.columns]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined + ", " + part
    return joined.to_numpy()


def as_findings(rule: Rule, ids: pd.Series, values: Any, details: Any) -> pd.DataFrame:
    """Findings of one rule: one row per record id, with the observed values and details."""
    return pd.DataFrame(
        {
            "record_id": ids,
            "rule_id": rule.rule_id,
            "rule_name": rule.name,
            "expectation_type": rule.expectation_type,
            "column_name": rule.column,
            "control_type": rule.control_type,
            "error_category": rule.error_category,
            "severity": rule.severity,
            "observed_value": values,
            "details": details,
        }
    )


def _table_details(rule: Rule, result: dict[str, Any]) -> str:
    if rule.expectation_type == "expect_column_to_exist":
        return f"the file has no {rule.column} column"
    mismatched = (result.get("details") or {}).get("mismatched") or {}
    parts = [f"{k} columns: {', '.join(map(str, v))}" for k, v in sorted(mismatched.items()) if v]
    observed = result.get("observed_value")
    return "; ".join(parts) or f"observed: {observed}"


def _crashed(info: Any) -> bool:
    if not isinstance(info, dict):
        return False
    if info.get("raised_exception"):
        return True
    return any(isinstance(v, dict) and v.get("raised_exception") for v in info.values())


def _crash_message(info: dict[str, Any]) -> str:
    if info.get("exception_message"):
        return str(info["exception_message"])
    return "; ".join(str(v.get("exception_message")) for v in info.values() if isinstance(v, dict))


def schema_rejection(findings: pd.DataFrame) -> str | None:
    """The one-line reason a file fails its error-severity file-level rules, or None."""
    failed = findings[(findings["control_type"] == "SCHEMA") & (findings["severity"] == "error")]
    if failed.empty:
        return None
    missing = failed["column_name"].dropna().tolist()
    if missing:
        return f"missing required columns: {', '.join(missing)}"
    return "; ".join(failed["rule_name"].tolist())


def row_findings(findings: pd.DataFrame) -> pd.DataFrame:
    """Only the findings about records (file-level rules are recorded once per run, not per chunk)."""
    return findings[~findings["expectation_type"].isin(TABLE_LEVEL)].reset_index(drop=True)


def trim_for_docs(result: Any, limit: int = 200) -> Any:
    """Cut each expectation's id and value lists to `limit`, so a run's docs cost bounded memory.

    With partial_unexpected_count raised (to get every failing row id), GX also fills the
    partial_* lists with every failure; kept for 40 chunks of a 10M-row file that was ~0.5 GB.
    """
    for expectation_result in result.results:
        details = expectation_result.result
        for name, value in details.items():
            if isinstance(value, list) and len(value) > limit:
                details[name] = value[:limit]
    return result
