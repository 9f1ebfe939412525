"""A catalogue of hostile and malformed files, each with its documented outcome (README "What happens when…").

Every file is written byte for byte by the test. Each is either REJECTED as a whole, with a one-line reason
recorded on the run, or loaded with its bad rows quarantined: never a traceback, never a lost row.
"""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from flows.pipeline import run_pipeline
from tests.integration.helpers import read_table

pytestmark = pytest.mark.usefixtures("prefect_harness")

HEADER = "order_id,order_date,region,product,quantity,revenue"
GOOD = ["ORD-0000001,2024-03-15,North,Sauces,3,360.00", "ORD-0000002,2024-03-16,South,Dairy,2,80.50"]


def lines(*rows: str, header: str = HEADER, end: str = "\n") -> bytes:
    """A UTF-8 file of the header and rows, each line ended by `end`."""
    return "".join(line + end for line in (header, *rows)).encode("utf-8")


def row(**values: str) -> str:
    """A data row (a CSV line) from the first good row with some fields replaced (already CSV-quoted)."""
    fields = dict(zip(HEADER.split(","), GOOD[0].replace("ORD-0000001", "ORD-0000009").split(","), strict=True))
    fields.update(values)
    return ",".join(fields.values())


@dataclass(frozen=True)
class Rejected:
    """The file is refused as a whole with exactly this one-line `reason`; `kept` raw rows stay stored."""

    reason: str
    kept: tuple[str, ...] = ()  # the order ids of the raw rows kept (only a missing required column keeps them)


@dataclass(frozen=True)
class Loaded:
    """The file is loaded: `rows` raw rows, `quarantined` of them in exceptions; `stored` values kept verbatim.

    `categories` are the quarantined rows' headline categories, in any order (one per quarantined row).
    """

    rows: int
    quarantined: int
    stored: tuple[tuple[str, str], ...] = ()
    categories: tuple[str, ...] = ()


FORMAT, QUALITY = "DATA_FORMAT_ERROR", "DATA_QUALITY_ISSUE"


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("sales.csv", lines(*GOOD))
    return buffer.getvalue()


BIG = "x" * 1_000_000
LATIN1 = (HEADER + "\n" + row(product="Sauc\xe9s") + "\n").encode("latin-1")
CP1252 = (HEADER + "\n" + GOOD[0] + "\n" + row(product="\u201cSauces\u201d") + "\n").encode("cp1252")
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)  # the compound-file signature of .xls/.doc, then its header
WRONG_DELIMITER = "wrong delimiter: the header is one column; it looks {}-separated, not ','"
CASES: dict[str, tuple[bytes, Rejected | Loaded]] = {
    "empty, 0 bytes": (b"", Rejected("the file is empty: no header row")),
    "only blank lines": (b"\n\n\r\n", Rejected("the file is empty: no header row")),
    "header only": (lines(), Loaded(0, 0)),
    "header missing (data first)": (
        lines(GOOD[1], header=GOOD[0]),
        Rejected(
            "no header row: the first line has none of the expected columns"
            " (order_id, order_date, region, product, quantity, revenue)"
        ),
    ),
    "missing required column": (
        lines("ORD-1,2024-03-15,North,Sauces,3", header=HEADER.removesuffix(",revenue")),
        Rejected("missing required columns: revenue", kept=("ORD-1",)),
    ),
    "extra column": (lines(*(g + ",note" for g in GOOD), header=HEADER + ",comment"), Loaded(2, 0)),
    "reordered columns": (
        lines("360.00,3,Sauces,North,2024-03-15,ORD-1", header=",".join(reversed(HEADER.split(",")))),
        Loaded(1, 0, (("revenue", "360.00"),)),
    ),
    "duplicated column names": (
        lines(GOOD[0], header=HEADER.replace("product", "region")),
        Rejected("duplicated column names: 'region'"),
    ),
    "semicolon delimiter": (
        lines(*(g.replace(",", ";") for g in GOOD), header=HEADER.replace(",", ";")),
        Rejected(WRONG_DELIMITER.format("';'")),
    ),
    "tab delimiter": (
        lines(*(g.replace(",", "\t") for g in GOOD), header=HEADER.replace(",", "\t")),
        Rejected(WRONG_DELIMITER.format("tab")),
    ),
    "pipe delimiter": (
        lines(*(g.replace(",", "|") for g in GOOD), header=HEADER.replace(",", "|")),
        Rejected(WRONG_DELIMITER.format("'|'")),
    ),
    "UTF-8 with BOM": (b"\xef\xbb\xbf" + lines(*GOOD), Loaded(2, 0, (("order_id", "ORD-0000001"),))),
    "Latin-1 text": (LATIN1, Rejected("not UTF-8 text: invalid byte 0xE9 at byte offset 85 (line 2)")),
    "CP1252 smart quotes": (
        CP1252,
        Rejected("not UTF-8 text: invalid byte 0x93 at byte offset 126 (line 3)"),
    ),
    "invalid UTF-8 bytes": (
        lines(GOOD[0]) + b"ORD-2,2024-03-15,No\xff\xferth,Sauces,3,1.00\n",
        Rejected("not UTF-8 text: invalid byte 0xFF at byte offset 116 (line 3)"),
    ),
    "UTF-16 text": (
        lines(*GOOD).decode().encode("utf-16"),
        Rejected("not UTF-8 text: the file is UTF-16 (byte-order mark); convert it to UTF-8"),
    ),
    "NUL bytes": (
        lines(GOOD[0], "ORD-2,2024-03-15,No\x00rth,Sauces,3,1.00"),
        Rejected("binary content: NUL byte at byte offset 116 (line 3)"),
    ),
    "CRLF line endings": (lines(*GOOD, end="\r\n"), Loaded(2, 0, (("revenue", "80.50"),))),
    "CR-only line endings": (lines(*GOOD, end="\r"), Loaded(2, 0, (("order_id", "ORD-0000002"), ("revenue", "80.50")))),
    "mixed line endings": (
        lines(*GOOD, end="\r\n") + b"ORD-3,2024-03-15,East,Snacks,1,9.99\rORD-4,2024-03-15,West,Dairy,1,1.00\n",
        Loaded(4, 0),
    ),
    "quoted field with commas and newlines": (
        lines(GOOD[0], row(product='"Sauces, hot\nand ""spicy"""')),
        Loaded(2, 1, (("product", 'Sauces, hot\nand "spicy"'),), (QUALITY,)),
    ),
    "unbalanced quote": (
        lines(GOOD[0], row(region='"North'), GOOD[1]),
        Rejected("not a readable CSV: unexpected end of data (line 4)"),
    ),
    "row with too many fields": (
        lines(GOOD[0], GOOD[1] + ",extra"),
        Rejected("line 3 (data row 2) has 7 fields, the header has 6"),
    ),
    "row with too few fields": (
        lines("ORD-1,2024-03-15,North,Sauces,3", GOOD[1]),
        Rejected("line 2 (data row 1) has 5 fields, the header has 6"),
    ),
    "a 1 MB field": (lines(GOOD[0], row(product=BIG)), Loaded(2, 1, (("product", BIG),), (QUALITY,))),
    "whitespace-padded values": (
        lines(row(region=" North"), row(order_id="ORD-8", quantity=" 3 ")),
        Loaded(2, 2, (("region", " North"), ("quantity", " 3 ")), (QUALITY, FORMAT)),
    ),
    "lower-case regions": (lines(row(region="north"), GOOD[1]), Loaded(2, 1, (("region", "north"),), (QUALITY,))),
    "rupee and thousands separators in revenue": (
        lines(row(revenue='"₹1,234.50"'), row(order_id="ORD-8", revenue='"1,234.50"'), GOOD[1]),
        Loaded(3, 2, (("revenue", "₹1,234.50"), ("revenue", "1,234.50")), (FORMAT, FORMAT)),
    ),
    "scientific notation": (
        lines(row(revenue="3.6E2"), row(order_id="ORD-8", quantity="1e3")),
        Loaded(2, 2, categories=(FORMAT, FORMAT)),
    ),
    "very large numbers": (
        lines(row(revenue="99999999999999999999.00"), row(order_id="ORD-8", quantity="12345678901234567890")),
        Loaded(2, 2, (("revenue", "99999999999999999999.00"),), (FORMAT, FORMAT)),
    ),
    "dates in other formats": (
        lines(
            row(order_date="15/03/2024"),
            row(order_id="ORD-8", order_date="March 15 2024"),
            row(order_id="ORD-7", order_date="2024/03/15"),
        ),
        Loaded(3, 3, (("order_date", "15/03/2024"),), (FORMAT, FORMAT, FORMAT)),
    ),
    "emoji and non-Latin text": (
        lines(row(product="Soße 🌶️"), row(order_id="ORD-8", region="उत्तर"), row(order_id="订单-7")),
        Loaded(3, 2, (("product", "Soße 🌶️"), ("region", "उत्तर"), ("order_id", "订单-7")), (QUALITY, QUALITY)),
    ),
    "SQL injection, formula and script values": (
        lines(
            row(product="'); DROP TABLE raw_sales; --"),
            row(order_id="ORD-8", product='"=HYPERLINK(""http://x"",""y"")"'),
            row(order_id="ORD-7", product="<script>alert(1)</script>"),
        ),
        Loaded(
            3,
            3,
            (
                ("product", "'); DROP TABLE raw_sales; --"),
                ("product", '=HYPERLINK("http://x","y")'),
                ("product", "<script>alert(1)</script>"),
            ),
            (QUALITY, QUALITY, QUALITY),
        ),
    ),
    "gzip file named .csv": (gzip.compress(lines(*GOOD)), Rejected("binary file (gzip-compressed), not CSV text")),
    "zip (xlsx) file named .csv": (_zip(), Rejected("binary file (a zip archive (or xlsx)), not CSV text")),
    "PDF file named .csv": (PDF, Rejected("binary file (a PDF document), not CSV text")),
    "OLE (old MS Office) file named .csv": (OLE, Rejected("binary file (an old Excel/Office document), not CSV text")),
    "blank lines between rows": (lines(GOOD[0], "", GOOD[1], ""), Loaded(2, 0)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_file_has_its_documented_outcome(name: str, pipeline_env: str, tmp_path: Path) -> None:
    """It rejects the file with its one-line reason, or loads every row and quarantines the bad ones."""
    content, expected = CASES[name]
    path = tmp_path / "hostile.csv"
    path.write_bytes(content)

    summary = run_pipeline(source=str(path))

    run = read_table(pipeline_env, "pipeline_runs", summary.run_id).iloc[0]
    assert path.read_bytes() == content  # the file's bytes are never changed
    raw = read_table(pipeline_env, "raw_sales", summary.run_id)
    if isinstance(expected, Rejected):
        assert (summary.status, run["status"]) == ("REJECTED", "REJECTED")
        assert (summary.reason, run["status_reason"]) == (expected.reason, expected.reason)
        assert raw["order_id"].tolist() == list(expected.kept)  # no raw row, except where the README keeps them
        assert read_table(pipeline_env, "clean_sales", summary.run_id).empty
        assert read_table(pipeline_env, "exceptions", summary.run_id).empty
        return
    assert (summary.status, run["status"]) == ("COMPLETED", "COMPLETED"), run["status_reason"]
    clean = read_table(pipeline_env, "clean_sales", summary.run_id)
    exceptions = read_table(pipeline_env, "exceptions", summary.run_id)
    assert len(raw) == expected.rows
    assert len(clean) + len(exceptions) == len(raw)
    assert set(clean["record_id"]) | set(exceptions["original_record_id"]) == set(raw["id"])
    assert len(exceptions) == expected.quarantined
    assert sorted(exceptions["error_category"]) == sorted(expected.categories)
    for column, value in expected.stored:
        assert value in raw[column].tolist(), (column, value[:40])
    by_id = raw.set_index("id")
    for record_id, data in zip(exceptions["original_record_id"], exceptions["raw_data"], strict=True):
        shown = json.loads(data)
        assert all(shown[c] == by_id.at[record_id, c] for c in HEADER.split(",")), shown  # values shown as received
