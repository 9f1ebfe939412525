"""Data Docs: one run's GX validation results as a static HTML site that works offline, from file://.

GX 1.24 renders the pages (suite page, one page per validation result, an index), but its templates
load jQuery, Bootstrap, font-awesome and vega from public CDNs and it writes failing values into
table cells without HTML-escaping them. So this module renders escaped copies of the results, then
copies the libraries vendored in `flows/validation/docs_static/` into the site and points every page at them.
"""

from __future__ import annotations

import copy
import datetime as dt
import html
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flows.constants import RECORD_ID
from flows.validation.offline import DataDocsError, make_offline

__all__ = ["DataDocsError", "build_run_docs", "display_copy"]
SAFE_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")

_ESCAPED_FIELDS = (
    "partial_unexpected_list",
    "partial_unexpected_counts",
    "partial_unexpected_index_list",
    "unexpected_list",
    "unexpected_index_list",
    "unexpected_index_query",
    "observed_value",
)


def build_run_docs(context: Any, validation_results: Sequence[tuple[str, Any]], docs_root: Path, run_id: str) -> Path:
    """Build `docs_root/<run_id>/` (suite pages plus this run's validation pages, each headed by its data asset
    name, offline); return its index.html."""
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    if not SAFE_RUN_ID.fullmatch(run_id):
        raise ValueError(f"run id {run_id!r} is not a plain folder name (letters, digits, '.', '_', '-')")
    if not validation_results:
        raise ValueError("no validation results to document")
    site_dir = docs_root.resolve() / run_id  # GX's filesystem store wants an absolute path
    if site_dir.exists():
        shutil.rmtree(site_dir)  # a retried run replaces its own docs, never mixes two builds
    keys = [_store_display_copy(context, result, run_id, asset) for asset, result in validation_results]
    suites = {ExpectationSuiteIdentifier(name=key.expectation_suite_identifier.name) for key in keys}
    _render_site(context, site_dir, run_id, [*sorted(suites, key=str), *keys])
    _check_pages(site_dir, len(keys))
    make_offline(site_dir)
    return site_dir / "index.html"


def _store_display_copy(context: Any, result: Any, run_name: str, asset: str) -> Any:
    """Store an escaped copy of `result` under this run's name, named `asset`; return its key in the results store."""
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    shown = display_copy(result)
    shown.meta["batch_spec"] = {"data_asset_name": asset}  # the page header's "Data asset:" (GX escapes it)
    original_run = result.meta.get("run_id")
    run_time = getattr(original_run, "run_time", None) or dt.datetime.now(dt.UTC)
    shown.meta["run_id"] = RunIdentifier(run_name=run_name, run_time=run_time)
    key = ValidationResultIdentifier(
        expectation_suite_identifier=ExpectationSuiteIdentifier(name=result.suite_name),
        run_id=shown.meta["run_id"],
        batch_identifier=_batch_name(result),
    )
    context.validation_results_store.set(key, shown)
    return key


def display_copy(result: Any) -> Any:
    """A deep copy of a suite result whose data values are HTML-escaped and whose failing rows show record ids."""
    shown = copy.deepcopy(result)
    for expectation_result in shown.results:
        details = expectation_result.result
        for field in _ESCAPED_FIELDS:
            if field in details:
                details[field] = _escaped(details[field])
        ids = details.get("unexpected_index_list") or [None]
        if isinstance(ids[0], dict) and RECORD_ID in ids[0]:
            details["unexpected_index_column_names"] = [RECORD_ID]
    return shown


def _escaped(value: Any) -> Any:
    if isinstance(value, str):
        return html.escape(value)
    if isinstance(value, dict):
        return {key: _escaped(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_escaped(item) for item in value)
    return value


def _batch_name(result: Any) -> str:
    definition = result.meta.get("active_batch_definition") or {}
    parts = [str(definition[k]) for k in ("datasource_name", "data_asset_name") if definition.get(k)]
    return "-".join(parts) or "batch"


def _render_site(context: Any, site_dir: Path, run_id: str, identifiers: list[Any]) -> None:
    """Let GX render exactly `identifiers` into a throwaway filesystem site at `site_dir`."""
    site_name = f"pipeline-run-{run_id}"
    context.add_data_docs_site(
        site_name,
        {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(site_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            "site_section_builders": {
                "validations": {"run_name_filter": {"equals": run_id}},
                "profiling": "None",
            },
        },
    )
    try:
        context.build_data_docs(site_names=[site_name], resource_identifiers=identifiers)
    finally:
        context.delete_data_docs_site(site_name)


def _check_pages(site_dir: Path, expected: int) -> None:
    """GX logs and skips a page it fails to render; a run's docs must not silently lose one."""
    pages = list((site_dir / "validations").rglob("*.html"))
    if not (site_dir / "index.html").is_file() or len(pages) != expected:
        raise DataDocsError(f"GX rendered {len(pages)} of {expected} validation pages in {site_dir}; see its log")
