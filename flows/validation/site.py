"""One growing Data Docs site per docs root: shared static assets and suite pages, one folder of pages per run,
an index of every validation (newest first) rendered from per-run manifest fragments, and retention.

    <root>/index.html                    every validation of every run kept, newest first (site_index.py)
    <root>/static/                       GX's static files and the vendored libraries, copied once
    <root>/expectations/<suite>.html     suite pages, shared; rewritten only when their content changes
    <root>/<run_id>/index.html           the run's page (pipeline_runs.data_docs_path): its validations
    <root>/<run_id>/validations/...      the run's validation pages
    <root>/manifest/<run_id>.json        what the index lists for the run

Runs finishing at once each render into their own build folder and then publish under an exclusive file lock;
every file another reader may open is written to a temporary name and moved into place with os.replace.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flows.validation.offline import STATIC_DIR, VENDOR_DIR, localize_file
from flows.validation.site_index import render_index

RESERVED = frozenset({"static", "expectations", "manifest", "index.html", "validations"})
_STATIC_STAMP = "static/.site-version"


@contextmanager
def site_lock(root: Path) -> Iterator[None]:
    """Hold the docs root's exclusive lock (one publisher at a time, across processes on this machine)."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def publish_run(build: Path, root: Path, run_id: str, entries: list[dict[str, Any]]) -> Path:
    """Move a run's GX build (rendered in `build`, a sibling of its final folder) into the site; return its page.

    `entries` are the run's validations for the index (asset, suite, run_time, success, counts, page).
    """
    for page in build.rglob("*.html"):
        parts = page.relative_to(build).parts  # the run folder is one level below the root, as `build` is
        localize_file(page, "../" * (len(parts) - 1 if parts[0] == "expectations" else len(parts)))
    with site_lock(root):
        _install_static(build / "static", root)
        for suite_page in sorted((build / "expectations").rglob("*.html")):  # a dotted suite name is a subfolder
            _replace_if_changed(suite_page, root / suite_page.relative_to(build))
        shutil.rmtree(build / "static", ignore_errors=True)
        shutil.rmtree(build / "expectations", ignore_errors=True)
        target = root / run_id
        if target.exists():
            shutil.rmtree(target)  # a retried run replaces its own pages, never mixes two builds
        os.replace(build, target)
        fragment = {"run_id": run_id, "built_at": dt.datetime.now(dt.UTC).isoformat(), "validations": entries}
        write_atomic(root / "manifest" / f"{run_id}.json", json.dumps(fragment, indent=1))
        _write_index(root)
    return target / "index.html"


def prune(root: Path, keep_days: int, now: dt.datetime | None = None) -> list[str]:
    """Drop the pages and index entries of runs built more than `keep_days` ago; return their run ids.

    Only runs of this site (those with a manifest fragment) are dropped; the database keeps every run's record.
    """
    cutoff = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=keep_days)
    dropped: list[str] = []
    with site_lock(root):
        for fragment in manifest(root):
            if dt.datetime.fromisoformat(fragment["built_at"]) < cutoff:
                shutil.rmtree(root / fragment["run_id"], ignore_errors=True)
                (root / "manifest" / f"{fragment['run_id']}.json").unlink(missing_ok=True)
                dropped.append(fragment["run_id"])
        if dropped:
            _write_index(root)
    return dropped


def manifest(root: Path) -> list[dict[str, Any]]:
    """Every run fragment of the site (unordered); a fragment being replaced is read whole or not at all."""
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted((root / "manifest").glob("*.json"))]


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` so that a reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; the site is read by whoever serves it
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _write_index(root: Path) -> None:
    rows = [{**v, "run_id": f["run_id"]} for f in manifest(root) for v in f["validations"]]
    rows.sort(key=lambda row: (row["run_time"], row["page"]), reverse=True)
    write_atomic(root / "index.html", render_index(rows))


def _install_static(built_static: Path, root: Path) -> None:
    """Copy GX's static files and the vendored libraries into the site once (again only after a GX upgrade)."""
    import great_expectations as gx

    stamp = f"great_expectations {gx.__version__}"
    stamp_file = root / _STATIC_STAMP
    if stamp_file.is_file() and stamp_file.read_text(encoding="utf-8") == stamp:
        return
    fresh = Path(tempfile.mkdtemp(prefix=".static-", dir=root))
    fresh.chmod(0o755)
    shutil.copytree(built_static, fresh, dirs_exist_ok=True)
    shutil.copytree(
        STATIC_DIR,
        fresh / Path(VENDOR_DIR).name,
        ignore=shutil.ignore_patterns("README.md", "*.sh"),
        dirs_exist_ok=True,
    )
    (fresh / Path(_STATIC_STAMP).name).write_text(stamp, encoding="utf-8")
    old = root / "static"
    if old.exists():
        os.replace(old, Path(tempfile.mkdtemp(prefix=".static-old-", dir=root)) / "static")
    os.replace(fresh, old)
    for leftover in root.glob(".static-old-*"):
        shutil.rmtree(leftover, ignore_errors=True)


def _replace_if_changed(page: Path, target: Path) -> None:
    """Install a suite page unless the site already has the same one (a suite page changes with its suite)."""
    text = page.read_text(encoding="utf-8")
    if not target.is_file() or target.read_text(encoding="utf-8") != text:
        write_atomic(target, text)
