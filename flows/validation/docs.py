"""Data Docs: a run's GX validation results added to the docs root's one static HTML site, offline from file://.

GX 1.24 renders the pages (suite page, one page per validation result, the run's index), but its templates
load jQuery, Bootstrap, font-awesome and vega from public CDNs and it writes failing values into
table cells without HTML-escaping them. So this module renders escaped copies of the results into a build
folder; `site.publish_run` then points every page at the site's one copy of the libraries vendored in
`flows/validation/docs_static/` and adds the run to the site (layout in site.py).
"""

from __future__ import annotations

import copy
import datetime as dt
import html
import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flows.constants import RECORD_ID
from flows.validation.offline import DataDocsError
from flows.validation.site import RESERVED, prune, publish_run

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


def build_run_docs(
    context: Any,
    validation_results: Sequence[tuple[str, Any]],
    docs_root: Path,
    run_id: str,
    keep_days: int | None = None,
) -> Path:
    """Add the run to the site at `docs_root`: `<run_id>/index.html` (its page, returned) and one page per
    validation, each headed by its data asset name; then drop runs built more than `keep_days` ago, if given."""
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    if not SAFE_RUN_ID.fullmatch(run_id) or run_id in RESERVED:
        raise ValueError(f"run id {run_id!r} is not a plain folder name (letters, digits, '.', '_', '-')")
    if not validation_results:
        raise ValueError("no validation results to document")
    root = docs_root.resolve()  # GX's filesystem store wants an absolute path
    root.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=f".build-{run_id}-", dir=root))  # one level below root, like <run_id>/
    build.chmod(0o755)  # it becomes the run's folder
    try:
        stored = [_store_display_copy(context, result, run_id, asset) for asset, result in validation_results]
        keys = [key for key, _ in stored]
        suites = {ExpectationSuiteIdentifier(name=key.expectation_suite_identifier.name) for key in keys}
        _render_site(context, build, run_id, [*sorted(suites, key=str), *keys])
        _check_pages(build, len(keys))
        assets = [asset for asset, _ in validation_results]
        entries = [_entry(asset, shown, key, run_id) for asset, (key, shown) in zip(assets, stored, strict=True)]
        page = publish_run(build, root, run_id, entries)
    finally:
        shutil.rmtree(build, ignore_errors=True)
    if keep_days is not None:
        prune(root, keep_days)
    return page


def _entry(asset: str, shown: Any, key: Any, run_id: str) -> dict[str, Any]:
    """What the site index lists for one validation page."""
    stats = shown.statistics
    return {
        "asset": asset,
        "suite": key.expectation_suite_identifier.name,
        "suite_page": "/".join(("expectations", *key.expectation_suite_identifier.to_tuple())) + ".html",
        "run_time": shown.meta["run_id"].run_time.astimezone(dt.UTC).isoformat(),
        "success": bool(shown.success),
        "evaluated": int(stats["evaluated_expectations"]),
        "successful": int(stats["successful_expectations"]),
        "page": "/".join((run_id, "validations", *key.to_tuple())) + ".html",
    }


def _store_display_copy(context: Any, result: Any, run_name: str, asset: str) -> tuple[Any, Any]:
    """Store an escaped copy of `result` under this run's name, named `asset`; return its key and the copy."""
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
    return key, shown


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
