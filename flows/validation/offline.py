"""Data Docs that work offline: GX's pages load their libraries from CDNs; these are vendored in
`flows/validation/docs_static/` (copied once into a site's static/vendor) and every page is pointed at them."""

from __future__ import annotations

import re
from pathlib import Path


class DataDocsError(RuntimeError):
    """The Data Docs of a run could not be built completely, or would need the network."""


STATIC_DIR = Path(__file__).with_name("docs_static")
VENDOR_DIR = "static/vendor"  # where the libraries go, relative to the site root
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
# A relative link to a suite page, in an attribute or in the JS data of GX's index table. Data values cannot
# match: they are HTML-escaped, so they hold no bare quote.
_SUITE_LINK = re.compile(r"""(["'])(?:\./|(?:\.\./)+)?expectations/""")
_INDENT = re.compile(r"\n[ \t]+")
_KEEPS_WHITESPACE = re.compile(r"<(?:pre|textarea)\b", re.IGNORECASE)
_SRI_ATTR = re.compile(r"""\s+(?:integrity|crossorigin)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?""", re.IGNORECASE)


def localize_file(page: Path, root_prefix: str) -> None:
    """Point a page's CDN and static/ assets, and its suite links, at the site root `root_prefix` (relative to the
    page); refuse a page that would still load something from the network."""
    text = localize_page(page.read_text(encoding="utf-8"), root_prefix)
    text = _SUITE_LINK.sub(lambda m: f"{m.group(1)}{root_prefix}expectations/", text)
    if not _KEEPS_WHITESPACE.search(text):  # GX indents deeply: about 12% of a page, and every page is kept
        text = _INDENT.sub("\n", text)
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
