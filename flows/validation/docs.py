"""Data Docs: one run's GX validation results as a static HTML site that works offline, from file://.

GX 1.24 renders the pages (suite page, one page per validation result, an index), but its templates
load jQuery, Bootstrap, font-awesome and vega from public CDNs and it writes failing values into
table cells without HTML-escaping them. So this module renders escaped copies of the results, then
copies the libraries vendored in `flows/docs_static/` into the site and points every page at them.
"""

from __future__ import annotations

import copy
import datetime as dt
import html
import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

STATIC_DIR = Path(__file__).with_name("docs_static")
VENDOR_DIR = "static/vendor"  # where the libraries go, relative to a run's site root
RECORD_ID = "record_id"  # the index name of the frames SuiteValidator validates
SAFE_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_GX_IMAGES = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
_JSDELIVR, _CDNJS, _UNPKG = (
    "https://cdn.jsdelivr.net/npm/",
    "https://cdnjs.cloudflare.com/ajax/libs/",
    "https://unpkg.com/",
)
_FILTER_CONTROL = "dist/extensions/filter-control/bootstrap-table-filter-control"
# Every remote asset the GX 1.24 templates reference, and its file relative to the site root.
# `vega@5` and friends are version ranges on the CDN; the vendored copies pin what they resolved to.
LOCAL_ASSETS: dict[str, str] = {
    f"{_JSDELIVR}vega@5": f"{VENDOR_DIR}/vega@5.33.1/build/vega.min.js",
    f"{_JSDELIVR}vega-lite@5": f"{VENDOR_DIR}/vega-lite@5.23.0/build/vega-lite.min.js",
    f"{_JSDELIVR}vega-embed@6": f"{VENDOR_DIR}/vega-embed@6.29.0/build/vega-embed.min.js",
    f"{_JSDELIVR}@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": (
        f"{VENDOR_DIR}/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css"
    ),
    f"{_CDNJS}font-awesome/6.6.0/css/all.min.css": f"{VENDOR_DIR}/fontawesome-free@6.6.0/css/all.min.css",
    f"{_CDNJS}popper.js/1.12.9/umd/popper.min.js": f"{VENDOR_DIR}/popper.js@1.12.9/dist/umd/popper.min.js",
    f"{_CDNJS}bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": (
        f"{VENDOR_DIR}/bootstrap-datepicker@1.9.0/dist/js/bootstrap-datepicker.min.js"
    ),
    f"{_CDNJS}bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": (
        f"{VENDOR_DIR}/bootstrap-datepicker@1.9.0/dist/css/bootstrap-datepicker.min.css"
    ),
    "https://code.jquery.com/jquery-3.7.1.min.js": f"{VENDOR_DIR}/jquery@3.7.1/dist/jquery.min.js",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": (
        f"{VENDOR_DIR}/bootstrap@4.3.1/dist/js/bootstrap.min.js"
    ),
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": (
        f"{VENDOR_DIR}/bootstrap@4.3.1/dist/css/bootstrap.min.css"
    ),
    **{
        f"{_UNPKG}bootstrap-table@{version}/{file}": f"{VENDOR_DIR}/bootstrap-table@{version}/{file}"
        for version, file in [
            ("1.19.1", "dist/bootstrap-table.min.css"),
            ("1.19.1", "dist/bootstrap-table.min.js"),
            ("1.19.1", f"{_FILTER_CONTROL}.min.js"),
            ("1.19.0", f"{_FILTER_CONTROL}.css"),
            ("1.19.0", f"{_FILTER_CONTROL}.min.css"),
        ]
    },
    # GX's own logo; the site's static/images (copied by GX) has the light one only.
    f"{_GX_IMAGES}logo-long.png": "static/images/logo-long.png",
    f"{_GX_IMAGES}full_logo_dark.png": "static/images/logo-long.png",
}
_ASSET_TAG = re.compile(r"<(?:script|link|img)\b[^>]*>|<style\b[^>]*>.*?</style>", re.IGNORECASE | re.DOTALL)
_ASSET_URL = re.compile(r"""((?:\bsrc|\bhref)\s*=\s*|url\(\s*)(["']?)(https?://[^"'()\s>]+)""", re.IGNORECASE)
_LOCAL_STATIC = re.compile(r"""((?:\bsrc|\bhref)\s*=\s*|url\(\s*)(["']?)(?:\./|(?:\.\./)+)?static/""", re.IGNORECASE)
_SRI_ATTR = re.compile(r"""\s+(?:integrity|crossorigin)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?""", re.IGNORECASE)
_ESCAPED_FIELDS = (
    "partial_unexpected_list",
    "partial_unexpected_counts",
    "partial_unexpected_index_list",
    "unexpected_list",
    "unexpected_index_list",
    "unexpected_index_query",
    "observed_value",
)


class DataDocsError(RuntimeError):
    """The Data Docs of a run could not be built completely, or would need the network."""


def build_run_docs(context: Any, validation_results: Sequence[Any], docs_root: Path, run_id: str) -> Path:
    """Build `docs_root/<run_id>/` (suite pages plus this run's validation pages, offline); return its index.html."""
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    if not SAFE_RUN_ID.fullmatch(run_id):
        raise ValueError(f"run id {run_id!r} is not a plain folder name (letters, digits, '.', '_', '-')")
    if not validation_results:
        raise ValueError("no validation results to document")
    site_dir = docs_root.resolve() / run_id  # GX's filesystem store wants an absolute path
    if site_dir.exists():
        shutil.rmtree(site_dir)  # a retried run replaces its own docs, never mixes two builds
    keys = [_store_display_copy(context, result, run_id) for result in validation_results]
    suites = {ExpectationSuiteIdentifier(name=key.expectation_suite_identifier.name) for key in keys}
    _render_site(context, site_dir, run_id, [*sorted(suites, key=str), *keys])
    _check_pages(site_dir, len(keys))
    make_offline(site_dir)
    return site_dir / "index.html"


def make_offline(site_dir: Path) -> None:
    """Copy the vendored libraries into a built site and point each page at them instead of CDNs."""
    shutil.copytree(
        STATIC_DIR, site_dir / VENDOR_DIR, ignore=shutil.ignore_patterns("README.md", "*.sh"), dirs_exist_ok=True
    )
    for page in site_dir.rglob("*.html"):
        root = Path(os.path.relpath(site_dir, page.parent)).as_posix()
        text = localize_page(page.read_text(encoding="utf-8"), "" if root == "." else f"{root}/")
        remaining = remote_assets(text)
        if remaining:
            raise DataDocsError(f"{page} still loads {remaining}; vendor them in {STATIC_DIR} and map them")
        page.write_text(text, encoding="utf-8")


def localize_page(text: str, root_prefix: str) -> str:
    """Point a page's CDN and static/ assets at `root_prefix` + their local path; drop integrity/crossorigin.

    GX miscounts the depth of validation pages for the favicon, so every relative static/ path is
    re-anchored at the site root too.
    """

    def local(match: re.Match[str]) -> str:
        path = LOCAL_ASSETS.get(match.group(3).split("?", 1)[0])
        return match.group(0) if path is None else f"{match.group(1)}{match.group(2)}{root_prefix}{path}"

    def fix(tag: re.Match[str]) -> str:
        found = tag.group(0)
        if not found.lower().startswith("<style"):
            found = _SRI_ATTR.sub("", found)
        found = _LOCAL_STATIC.sub(lambda m: f"{m.group(1)}{m.group(2)}{root_prefix}static/", found)
        return _ASSET_URL.sub(local, found)

    return _ASSET_TAG.sub(fix, text)


def remote_assets(text: str) -> list[str]:
    """The http(s) URLs a page would fetch by itself: scripts, stylesheets, images, CSS url()s (not links)."""
    return [url.group(3) for tag in _ASSET_TAG.finditer(text) for url in _ASSET_URL.finditer(tag.group(0))]


def _store_display_copy(context: Any, result: Any, run_name: str) -> Any:
    """Store an escaped copy of `result` under this run's name; return its key in the results store."""
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    shown = display_copy(result)
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
