"""Data Docs built from real GX validations: one site per docs root that each run adds its pages to; offline,
escaped, and naming failing rows by record id."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
import pytest

from flows.dataset import load_dataset
from flows.stages.validate import validation_view
from flows.validation.docs import DataDocsError, build_run_docs
from flows.validation.offline import localize_file, localize_page, remote_assets
from flows.validation.runner import SuiteRunner
from flows.validation.site import prune
from tests.factories import EXPECTATIONS_DIR, make_frame

FIRST_ID = 7001  # record ids deliberately differ from row positions and from any count on the page
SCRIPT = "<script>alert(1)</script>"
BAD_ROWS = [{"product": SCRIPT}, {"region": "Nort"}, {"quantity": ""}]
BAD_IDS = (7004, 7005, 7006)  # make_frame(3, BAD_ROWS): the bad rows follow three good ones
RUN_ID = "run-20240315-01"
LATER_RUN_ID = "run-20240316-01"
MAX_BYTES_PER_RUN = 300_000  # the site's budget per run (README); a 5,000-row run measured about 255 KB
# Anything a page would fetch by itself: script/img src, link href, CSS url(); plain <a> links excluded.
ASSET_REF = re.compile(
    r"""<(?:script|img)\b[^>]*\bsrc\s*=\s*["']?([^"'\s>]+)|<link\b[^>]*\bhref\s*=\s*["']?([^"'\s>]+)"""
    r"""|url\(\s*["']?([^"')\s]+)""",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class BuiltDocs:
    """One run's docs (in a site that also holds a later run's) and what went into them."""

    index: Path
    root: Path
    later: Path
    later_bytes: int
    result: Any
    findings: pd.DataFrame


@pytest.fixture(scope="module")
def validator() -> SuiteRunner:
    """One validator (and GX context) for the module: building one costs about two seconds."""
    return SuiteRunner(load_dataset("sales", EXPECTATIONS_DIR).suite)


@pytest.fixture(scope="module")
def docs(validator: SuiteRunner, tmp_path_factory: pytest.TempPathFactory) -> BuiltDocs:
    """Validate three good and three bad rows with the committed suite and build that run's docs; then a later
    run (its header and its rows) into the same site."""
    frame = make_frame(3, BAD_ROWS)
    outcome = validator.validate(validation_view(frame, pd.Series(range(FIRST_ID, FIRST_ID + len(frame)))))
    root = tmp_path_factory.mktemp("docs")
    index = validator.build_docs([("sales: day<1>.csv, rows 1-5", outcome.docs_result)], root, RUN_ID)
    before = site_bytes(root)
    header = validator.check_schema(list(frame.columns)).docs_result
    rows = validator.validate(validation_view(make_frame(4), pd.Series(range(1, 5)))).docs_result
    later = validator.build_docs(
        [("sales: day2.csv, header", header), ("sales: day2.csv, rows 1-4", rows)], root, LATER_RUN_ID
    )
    return BuiltDocs(index, root, later, site_bytes(root) - before, outcome.docs_result, outcome.findings)


def site_bytes(root: Path) -> int:
    """The bytes of every file in the site."""
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file())


def validation_page(docs: BuiltDocs) -> Path:
    """The one validation result page of the run."""
    pages = list((docs.index.parent / "validations").rglob("*.html"))
    assert len(pages) == 1, pages
    return pages[0]


def asset_refs(text: str) -> list[str]:
    """Every URL a page loads by itself (scripts, stylesheets, icons, images, fonts in inline CSS)."""
    return [next(g for g in match.groups() if g) for match in ASSET_REF.finditer(text)]


def test_the_validation_page_names_its_data_asset(docs: BuiltDocs) -> None:
    """Its header says which dataset, file and rows were validated (not "Data asset: None"), escaped once."""
    text = validation_page(docs).read_text(encoding="utf-8")
    assert "sales: day&lt;1&gt;.csv, rows 1-5" in text and "&amp;lt;" not in text
    assert "Data asset:" in text and "None" not in text.split("Data asset:")[1][:200]


def test_it_builds_the_run_page_and_its_validation_page_under_the_run_folder(docs: BuiltDocs) -> None:
    """It writes docs_root/<run_id>/index.html, which links the run's validation page and the shared suite page."""
    assert docs.index.name == "index.html" and docs.index.parent == docs.root / RUN_ID
    page = validation_page(docs)
    assert RUN_ID in page.relative_to(docs.index.parent).parts
    index = docs.index.read_text(encoding="utf-8")
    assert page.relative_to(docs.index.parent).as_posix() in index
    assert "../expectations/sales_orders.html" in index
    assert (docs.root / "expectations" / "sales_orders.html").is_file()
    assert not (docs.index.parent / "expectations").exists() and not (docs.index.parent / "static").exists()


def test_two_runs_share_one_site_with_one_static_folder(docs: BuiltDocs) -> None:
    """The site root holds the static files and suite pages once, and one folder per run with only its pages."""
    assert sorted(p.name for p in docs.root.iterdir() if not p.name.startswith(".")) == sorted(
        ["index.html", "static", "expectations", "manifest", RUN_ID, LATER_RUN_ID]
    )
    assert len(list(docs.root.rglob("jquery.min.js"))) == 1
    assert len(list((docs.later.parent / "validations").rglob("*.html"))) == 2
    assert 0 < docs.later_bytes < MAX_BYTES_PER_RUN


def test_the_site_index_lists_every_validation_newest_first(docs: BuiltDocs) -> None:
    """docs_root/index.html has a row per validation of both runs, the later run's first, each linking its page."""
    text = (docs.root / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'class="validation-link" href="([^"]+)">([^<]+)<', text)
    assert [asset for _, asset in links] == [
        "sales: day2.csv, rows 1-4",
        "sales: day2.csv, header",
        "sales: day&lt;1&gt;.csv, rows 1-5",
    ]
    assert [href.split("/")[0] for href, _ in links] == [LATER_RUN_ID, LATER_RUN_ID, RUN_ID]
    assert all((docs.root / href).is_file() for href, _ in links)
    assert f'href="{RUN_ID}/index.html"' in text and 'href="expectations/sales_orders.html"' in text


def test_no_page_loads_anything_from_the_network(docs: BuiltDocs) -> None:
    """No .html references http(s) for scripts, stylesheets, fonts or images, nor keeps integrity/crossorigin."""
    pages = list(docs.root.rglob("*.html"))
    assert len(pages) >= 7
    for page in pages:
        text = page.read_text(encoding="utf-8")
        remote = [ref for ref in asset_refs(text) if urlsplit(ref).scheme in ("http", "https")]
        assert remote == [], f"{page} loads {remote}"
        assert re.search(r"<script\b[^>]*\b(?:integrity|crossorigin)", text) is None, page


def test_every_local_asset_reference_resolves_to_a_file(docs: BuiltDocs) -> None:
    """Each relative script, stylesheet, icon, image and suite link points at a file that exists in the site."""
    root = docs.root.resolve()
    for page in root.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        suite_links = re.findall(r"""["']((?:\.\./)*expectations/[^"']+)""", text)
        for ref in [*asset_refs(text), *suite_links]:
            target = (page.parent / urlsplit(ref).path).resolve()
            assert target.is_file() and target.is_relative_to(root), f"{page}: {ref}"


def test_the_vendored_font_awesome_fonts_are_copied_beside_their_stylesheet(docs: BuiltDocs) -> None:
    """The icon font files that all.min.css loads relative to itself are in the site's static folder."""
    css = next(docs.root.rglob("fontawesome-free@*/css/all.min.css"))
    fonts = {Path(ref).name for ref in re.findall(r"url\(([^)]+\.woff2)\)", css.read_text(encoding="utf-8"))}
    assert "fa-solid-900.woff2" in fonts
    assert all((css.parent.parent / "webfonts" / name).is_file() for name in fonts)


def test_the_validation_page_lists_failing_rows_by_record_id(docs: BuiltDocs) -> None:
    """Each failing record id is in a cell of the page, under a record_id column header."""
    text = validation_page(docs).read_text(encoding="utf-8")
    assert set(docs.findings["record_id"].astype(int)) == set(BAD_IDS)
    assert re.search(r"<th[^>]*>\s*record_id\s*</th>", text)
    for record_id in BAD_IDS:
        assert re.search(rf">\s*{record_id}\s*<", text), record_id


def test_data_values_are_html_escaped(docs: BuiltDocs) -> None:
    """A product value that is a script tag is written as text, never as markup."""
    text = validation_page(docs).read_text(encoding="utf-8")
    assert SCRIPT not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_the_callers_result_is_left_unchanged(docs: BuiltDocs) -> None:
    """Escaping and the record_id column happen on a copy; the pipeline's result keeps its raw values."""
    product = next(r for r in docs.result.results if r.result.get("partial_unexpected_list") == [SCRIPT])
    assert "unexpected_index_column_names" not in product.result
    assert docs.result.meta["run_id"].run_name is None


def test_rebuilding_a_run_replaces_its_folder(validator: SuiteRunner, tmp_path: Path) -> None:
    """Building the same run twice leaves one set of pages and one index entry per validation, not two."""
    for _ in range(2):
        outcome = validator.validate(validation_view(make_frame(2, BAD_ROWS[:1]), pd.Series([1, 2, 3])))
        index = validator.build_docs([("sales: day<1>.csv, rows 1-5", outcome.docs_result)], tmp_path, RUN_ID)
    assert len(list((index.parent / "validations").rglob("*.html"))) == 1
    assert (tmp_path / "index.html").read_text(encoding="utf-8").count('class="validation-link"') == 1
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".build")]


def test_retention_drops_the_pages_and_index_entries_of_old_runs_only(validator: SuiteRunner, tmp_path: Path) -> None:
    """A run built more than keep_days ago loses its folder, fragment and index rows; a newer run keeps them."""
    outcome = validator.validate(validation_view(make_frame(2), pd.Series([1, 2])))
    for run_id in (RUN_ID, LATER_RUN_ID):
        validator.build_docs([(f"sales: {run_id}.csv", outcome.docs_result)], tmp_path, run_id)
    fragment = tmp_path / "manifest" / f"{RUN_ID}.json"
    aged = json.loads(fragment.read_text()) | {"built_at": (dt.datetime.now(dt.UTC) - dt.timedelta(days=8)).isoformat()}
    fragment.write_text(json.dumps(aged))
    assert prune(tmp_path, keep_days=7) == [RUN_ID]
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert RUN_ID not in index and f"sales: {LATER_RUN_ID}.csv" in index
    assert not (tmp_path / RUN_ID).exists() and not fragment.exists()
    assert (tmp_path / LATER_RUN_ID / "index.html").is_file() and (tmp_path / "static").is_dir()


def test_a_relative_docs_root_is_taken_from_the_working_directory(
    validator: SuiteRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A docs root such as data/docs works from the repo root; the returned path is absolute."""
    outcome = validator.validate(validation_view(make_frame(2), pd.Series([1, 2])))
    monkeypatch.chdir(tmp_path)
    index = validator.build_docs([("sales: day<1>.csv, rows 1-5", outcome.docs_result)], Path("data/docs"), RUN_ID)
    assert index == tmp_path / "data" / "docs" / RUN_ID / "index.html"
    assert index.is_file()


def test_two_runs_publishing_at_once_both_land_in_the_index(validator: SuiteRunner, tmp_path: Path) -> None:
    """Two runs (each with its own GX context, as two workers have) finishing together both get their pages, their
    manifest fragment and their index rows; no build folder or temporary file is left behind."""
    runners = [validator, SuiteRunner(load_dataset("sales", EXPECTATIONS_DIR).suite)]
    results = [r.validate(validation_view(make_frame(2), pd.Series([1, 2]))).docs_result for r in runners]
    start, errors = threading.Barrier(2), []

    def build(runner: SuiteRunner, result: Any, run_id: str) -> None:
        start.wait()
        try:
            runner.build_docs([(f"sales: {run_id}.csv", result)], tmp_path, run_id)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [
        threading.Thread(target=build, args=(runner, result, run_id))
        for runner, result, run_id in zip(runners, results, (RUN_ID, LATER_RUN_ID), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert index.count('class="validation-link"') == 2 and RUN_ID in index and LATER_RUN_ID in index
    assert sorted(p.name for p in (tmp_path / "manifest").iterdir()) == [f"{RUN_ID}.json", f"{LATER_RUN_ID}.json"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".") and p.name != ".lock"] == []


@pytest.mark.parametrize("run_id", ["", "../escape", "a/b", ".hidden", "static", "expectations", "manifest"])
def test_it_rejects_a_run_id_that_is_not_a_plain_folder_name(tmp_path: Path, run_id: str) -> None:
    """It refuses run ids that would write outside docs_root/<run_id>/ or over the site's shared files."""
    with pytest.raises(ValueError, match="plain folder name"):
        build_run_docs(object(), [("x", object())], tmp_path, run_id)


def test_it_rejects_an_empty_list_of_results(tmp_path: Path) -> None:
    """With no results GX would render every result in its store, so nothing is built."""
    with pytest.raises(ValueError, match="no validation results"):
        build_run_docs(object(), [], tmp_path, RUN_ID)


def test_localize_page_rewrites_cdn_links_and_drops_subresource_integrity() -> None:
    """A GX template line becomes a relative path without integrity/crossorigin; plain links stay."""
    page = (
        '<script src="https://code.jquery.com/jquery-3.7.1.min.js" integrity="sha384-x" crossorigin="anonymous">'
        '</script><a href="https://greatexpectations.io">GX</a><link rel="icon" href="../../static/images/f.ico">'
    )
    local = localize_page(page, "../")
    assert '<script src="../static/vendor/jquery@3.7.1/dist/jquery.min.js"></script>' in local
    assert '<a href="https://greatexpectations.io">' in local
    assert 'href="../static/images/f.ico"' in local
    assert remote_assets(local) == []


def test_an_unknown_cdn_asset_fails_the_build(tmp_path: Path) -> None:
    """A remote asset with no vendored copy (say, after a GX upgrade) raises rather than ship a page needing it."""
    (tmp_path / "index.html").write_text('<script src="https://cdn.example.org/new-lib.js"></script>')
    with pytest.raises(DataDocsError, match=r"new-lib\.js"):
        localize_file(tmp_path / "index.html", "../")
