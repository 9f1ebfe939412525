"""Screen: refuse a file that is not well-formed UTF-8 CSV before any of its rows are read.

Two cheap passes, both before pandas sees the file:
- bytes: size limit, binary signatures, NUL bytes, invalid UTF-8 (reported with its byte offset and line);
- CSV structure (Python's csv module, strict quoting): header sanity (delimiter, duplicated names,
  no header at all), then every row must have exactly as many fields as the header, and the data
  rows must not exceed the row limit. pandas pads short rows with '' and can shift long ones, so the
  field count is checked here, where nothing can be padded or dropped silently.
Every refusal is a `SourceRejected` with a one-line reason. The csv module's field-size limit is
lifted once per process by `flows.startup.configure_process` (a 1 MB field is data, not a reason to refuse).
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Sequence
from pathlib import Path

from flows.sources.files import SourceRejected

BLOCK_BYTES = 1 << 20
_SIGNATURES = {
    b"\x1f\x8b": "gzip-compressed",
    b"PK\x03\x04": "a zip archive (or xlsx)",
    b"%PDF": "a PDF document",
    b"\xd0\xcf\x11\xe0": "an old Excel/Office document",
}
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def screen_file(path: Path, expected_columns: Sequence[str], max_bytes: int, max_rows: int) -> int:
    """Refuse a file that is too big, binary, not UTF-8 or not well-formed CSV; return its data-row count."""
    if not path.is_file():
        raise SourceRejected(f"source file not found: {path}")
    size = path.stat().st_size
    if size > max_bytes:
        raise SourceRejected(f"file too large: {size:,} bytes exceeds the limit of {max_bytes:,} (MAX_FILE_BYTES)")
    if size == 0:
        raise SourceRejected("the file is empty: no header row")
    screen_bytes(path)
    return screen_rows(path, expected_columns, max_rows)


def screen_bytes(path: Path) -> None:
    """Refuse binary content and anything that is not valid UTF-8, naming the first bad byte's offset and line."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    offset, lines = 0, 1
    with path.open("rb") as handle:
        head = handle.read(8)
        _check_signature(head)
        handle.seek(0)
        for block in iter(lambda: handle.read(BLOCK_BYTES), b""):
            nul = block.find(b"\x00")
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(block if nul < 0 else block[:nul])
            except UnicodeDecodeError as exc:
                at = max(exc.start - pending, 0)
                where = _position(offset, lines, block, at)
                raise SourceRejected(f"not UTF-8 text: invalid byte 0x{block[at]:02X} at {where}") from None
            if nul >= 0:
                raise SourceRejected(f"binary content: NUL byte at {_position(offset, lines, block, nul)}")
            offset, lines = offset + len(block), lines + block.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise SourceRejected(f"not UTF-8 text: truncated character at the end (byte offset {offset:,})") from None


def _position(offset: int, lines: int, block: bytes, at: int) -> str:
    line = lines + block[:at].count(b"\n")
    return f"byte offset {offset + at:,} (line {line:,})"


def _check_signature(head: bytes) -> None:
    if head.startswith(_UTF16_BOMS):
        raise SourceRejected("not UTF-8 text: the file is UTF-16 (byte-order mark); convert it to UTF-8")
    for magic, kind in _SIGNATURES.items():
        if head.startswith(magic):
            raise SourceRejected(f"binary file ({kind}), not CSV text")


def screen_rows(path: Path, expected_columns: Sequence[str], max_rows: int) -> int:
    """Check the header and that every row has the header's field count; return the number of data rows."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = next((row for row in reader if row), None)
            if header is None:
                raise SourceRejected("the file is empty: no header row")
            check_header(header, expected_columns)
            rows = 0
            for row in reader:
                if not row:
                    continue  # a blank line is not a row (pandas skips it too)
                rows += 1
                if len(row) != len(header):
                    raise SourceRejected(
                        f"line {reader.line_num:,} (data row {rows:,}) has {len(row)} fields, "
                        f"the header has {len(header)}"
                    )
                if rows > max_rows:
                    raise SourceRejected(f"too many rows: more than the limit of {max_rows:,} (MAX_FILE_ROWS)")
        except csv.Error as exc:
            raise SourceRejected(f"not a readable CSV: {exc} (line {reader.line_num:,})") from None
    return rows


def check_header(header: Sequence[str], expected_columns: Sequence[str]) -> None:
    """Refuse a header written with another delimiter, with repeated names, or that is really a data row."""
    if len(header) == 1 and len(expected_columns) > 1:
        for delimiter, name in ((";", "';'"), ("\t", "tab"), ("|", "'|'")):
            if delimiter in header[0]:
                raise SourceRejected(f"wrong delimiter: the header is one column; it looks {name}-separated, not ','")
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise SourceRejected(f"duplicated column names: {', '.join(repr(name) for name in repeated)}")
    if expected_columns and not set(header) & set(expected_columns):
        raise SourceRejected(
            f"no header row: the first line has none of the expected columns ({', '.join(expected_columns)})"
        )
