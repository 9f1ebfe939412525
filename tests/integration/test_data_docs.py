"""Data Docs of one run, built from a real GX validation: offline, escaped, and naming failing rows by record id."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
import pytest

from flows.dataset import load_dataset
from flows.stages.validate import validation_view
from flows.validation.docs import DataDocsError, build_run_docs
from flows.validation.offline import localize_page, make_offline, remote_assets
from flows.validation.runner import SuiteRunner
from tests.factories import EXPECTATIONS_DIR, make_frame

FIRST_ID = 7001  # record ids deliberately differ from row positions and from any count on the page
SCRIPT = "<script>alert(1)</script>"
BAD_ROWS = [{"product": SCRIPT}, {"region": "Nort"}, {"quantity": ""}]
BAD_IDS = (7004, 7005, 7006)  # make_frame(3, BAD_ROWS): the bad rows follow three good ones
RUN_ID = "run-20240315-01"
# Anything a page would fetch by itself: script/img src, link href, CSS url(); plain <a> links excluded.
ASSET_REF = re.compile(
    r"""<(?:script|img)\b[^>]*\bsrc\s*=\s*["']?([^"'\s>]+)|<link\b[^>]*\bhref\s*=\s*["']?([^"'\s>]+)"""
    r"""|url\(\s*["']?([^"')\s]+)""",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class BuiltDocs:
    """One run's docs and what went into them."""

    index: Path
    result: Any
    findings: pd.DataFrame


@pytest.fixture(scope="module")
def validator() -> SuiteRunner:
    """One validator (and GX context) for the module: building one costs about two seconds."""
    return SuiteRunner(load_dataset("sales", EXPECTATIONS_DIR).suite)


@pytest.fixture(scope="module")
def docs(validator: SuiteRunner, tmp_path_factory: pytest.TempPathFactory) -> BuiltDocs:
    """Validate three good and three bad rows with the committed suite, then build that run's docs."""
    frame = make_frame(3, BAD_ROWS)
    outcome = validator.validate(validation_view(frame, pd.Series(range(FIRST_ID, FIRST_ID + len(frame)))))
    index = validator.build_docs(
        [("sales: day<1>.csv, rows 1-5", outcome.docs_result)], tmp_path_factory.mktemp("docs"), RUN_ID
    )
    return BuiltDocs(index=index, result=outcome.docs_result, findings=outcome.findings)


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


def test_it_builds_the_index_and_the_validation_page_under_the_run_folder(docs: BuiltDocs) -> None:
    """It writes docs_root/<run_id>/index.html, which links the run's validation page and the suite page."""
    assert docs.index.name == "index.html" and docs.index.parent.name == RUN_ID
    page = validation_page(docs)
    assert RUN_ID in page.relative_to(docs.index.parent).parts
    index = docs.index.read_text(encoding="utf-8")
    assert page.relative_to(docs.index.parent).as_posix() in index
    assert "expectations/sales_orders.html" in index
    assert (docs.index.parent / "expectations" / "sales_orders.html").is_file()


def test_no_page_loads_anything_from_the_network(docs: BuiltDocs) -> None:
    """No .html references http(s) for scripts, stylesheets, fonts or images, nor keeps integrity/crossorigin."""
    pages = list(docs.index.parent.rglob("*.html"))
    assert len(pages) >= 3
    for page in pages:
        text = page.read_text(encoding="utf-8")
        remote = [ref for ref in asset_refs(text) if urlsplit(ref).scheme in ("http", "https")]
        assert remote == [], f"{page} loads {remote}"
        assert re.search(r"<script\b[^>]*\b(?:integrity|crossorigin)", text) is None, page


def test_every_local_asset_reference_resolves_to_a_file(docs: BuiltDocs) -> None:
    """Each relative script, stylesheet, icon and image path points at a file that exists in the run folder."""
    root = docs.index.parent.resolve()
    for page in root.rglob("*.html"):
        for ref in asset_refs(page.read_text(encoding="utf-8")):
            target = (page.parent / urlsplit(ref).path).resolve()
            assert target.is_file() and target.is_relative_to(root), f"{page}: {ref}"


def test_the_vendored_font_awesome_fonts_are_copied_beside_their_stylesheet(docs: BuiltDocs) -> None:
    """The icon font files that all.min.css loads relative to itself are in the run folder."""
    css = next(docs.index.parent.rglob("fontawesome-free@*/css/all.min.css"))
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
    """Building the same run twice leaves one set of pages, not two."""
    for _ in range(2):
        outcome = validator.validate(validation_view(make_frame(2, BAD_ROWS[:1]), pd.Series([1, 2, 3])))
        index = validator.build_docs([("sales: day<1>.csv, rows 1-5", outcome.docs_result)], tmp_path, RUN_ID)
    assert len(list((index.parent / "validations").rglob("*.html"))) == 1


def test_a_relative_docs_root_is_taken_from_the_working_directory(
    validator: SuiteRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A docs root such as data/docs works from the repo root; the returned path is absolute."""
    outcome = validator.validate(validation_view(make_frame(2), pd.Series([1, 2])))
    monkeypatch.chdir(tmp_path)
    index = validator.build_docs([("sales: day<1>.csv, rows 1-5", outcome.docs_result)], Path("data/docs"), RUN_ID)
    assert index == tmp_path / "data" / "docs" / RUN_ID / "index.html"
    assert index.is_file()


@pytest.mark.parametrize("run_id", ["", "../escape", "a/b", ".hidden"])
def test_it_rejects_a_run_id_that_is_not_a_plain_folder_name(tmp_path: Path, run_id: str) -> None:
    """It refuses run ids that would write outside docs_root/<run_id>/."""
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
        make_offline(tmp_path)
