"""The site's index page: every validation the site keeps, newest first, from the runs' manifest fragments.

GX's own index builder re-reads every stored validation result to build it, so a run would cost O(runs);
this page is rendered from small JSON fragments instead (see README, "GX Data Docs"). It uses the same
vendored Bootstrap, bootstrap-table and Font Awesome as GX's pages, from the site's static/ folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

_VENDOR = "static/vendor"
_HEAD = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8"><meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Data Docs: every validation</title>
<link rel="icon" href="static/images/favicon.ico">
<link rel="stylesheet" href="{_VENDOR}/bootstrap@4.3.1/dist/css/bootstrap.min.css">
<link rel="stylesheet" href="{_VENDOR}/bootstrap-table@1.19.1/dist/bootstrap-table.min.css">
<link rel="stylesheet" href="{_VENDOR}/fontawesome-free@6.6.0/css/all.min.css">
<link rel="stylesheet" href="{_VENDOR}/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css">
</head>
<body><div class="container-fluid p-4">
<img src="static/images/logo-long.png" alt="Great Expectations" style="width: 200px">
<div class="alert alert-secondary mt-3">Every validation this site keeps, newest first: {{count}} in {{runs}} runs.
A row links to its validation page; the run column to the run's page.</div>
<table class="table table-sm" id="validations" data-toggle="table" data-search="true" data-pagination="true"
 data-page-size="50" data-sort-name="run_time" data-sort-order="desc">
<thead><tr><th data-field="run_time" data-sortable="true">Run time (UTC)</th><th data-field="asset">Data asset</th>
<th data-field="suite">Expectation suite</th><th data-field="status">Status</th>
<th data-field="passed">Expectations passed</th><th data-field="run">Run</th></tr></thead>
<tbody>
"""
_TAIL = f"""</tbody></table></div>
<script src="{_VENDOR}/jquery@3.7.1/dist/jquery.min.js"></script>
<script src="{_VENDOR}/popper.js@1.12.9/dist/umd/popper.min.js"></script>
<script src="{_VENDOR}/bootstrap@4.3.1/dist/js/bootstrap.min.js"></script>
<script src="{_VENDOR}/bootstrap-table@1.19.1/dist/bootstrap-table.min.js"></script>
</body>
</html>
"""


def render_index(rows: Sequence[dict[str, Any]]) -> str:
    """The index page of `rows` (one per validation, already newest first); every value HTML-escaped."""
    head = _HEAD.replace("{count}", f"{len(rows):,}").replace("{runs}", f"{len({r['run_id'] for r in rows}):,}")
    return head + "".join(_row(row) for row in rows) + _TAIL


def _row(row: dict[str, Any]) -> str:
    """One validation: when, what, against which suite, its status, and links to its page and its run's page."""
    success = bool(row["success"])
    icon, label = ("fa-check-circle text-success", "Passed") if success else ("fa-times text-danger", "Failed")
    cells = [
        escape(row["run_time"][:19].replace("T", " ")),
        f'<a class="validation-link" href="{escape(row["page"])}">{escape(row["asset"])}</a>',
        f'<a href="{escape(row["suite_page"])}">{escape(row["suite"])}</a>',
        f'<i class="fas {icon}" aria-hidden="true"></i> {label}',
        f"{int(row['successful'])} of {int(row['evaluated'])}",
        f'<a href="{escape(row["run_id"])}/index.html"><code>{escape(row["run_id"])}</code></a>',
    ]
    return "<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>\n"
