"""Read a source CSV as text, exactly as received: its checksum, its header and its rows in chunks."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd


class SourceRejected(Exception):
    """The file as a whole cannot be processed; the message is the one-line reason."""


# utf-8-sig drops a UTF-8 byte-order mark; index_col=False stops pandas turning the first column into an index.
READ_OPTIONS: dict[str, Any] = {
    "dtype": str,
    "index_col": False,
    "keep_default_na": False,
    "na_filter": False,
    "encoding": "utf-8-sig",
}


def file_sha256(path: Path) -> str:
    """The hex sha256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_text_frame(path: Path, renames: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The whole file's data rows as text (small files and tests; runs stream with `read_chunks`)."""
    header = read_header(path, renames)
    frames = list(read_chunks(path, 1_000_000, renames))
    frame = pd.concat(frames) if frames else pd.DataFrame({c: pd.Series([], dtype="str") for c in header})
    return frame.reset_index(drop=True)


def read_header(path: Path, renames: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The file's column names, each source header in `renames` given its field name."""
    with _reading(path):
        header = (str(c) for c in pd.read_csv(path, nrows=0, **READ_OPTIONS).columns)
        return tuple((renames or {}).get(c, c) for c in header)


def read_chunks(path: Path, chunk_rows: int, renames: Mapping[str, str] | None = None) -> Iterator[pd.DataFrame]:
    """Stream the data rows as text, `chunk_rows` at a time; nothing is coerced, empty stays ''.

    Columns are named by field (`renames` maps a source header to its field name; others keep theirs).
    A header-only file yields no chunk at all (pandas would yield one empty frame).
    """
    with _reading(path), pd.read_csv(path, chunksize=chunk_rows, **READ_OPTIONS) as reader:
        for chunk in reader:
            if len(chunk):
                yield chunk.rename(columns=renames) if renames else chunk


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    """Turn every way a file can be unreadable into a one-line SourceRejected."""
    if not path.is_file():
        raise SourceRejected(f"source file not found: {path}")
    try:
        yield
    except pd.errors.EmptyDataError:
        raise SourceRejected("the file is empty: no header row") from None
    except pd.errors.ParserError as exc:
        raise SourceRejected(f"not a readable CSV: {str(exc).strip()}") from None
    except UnicodeDecodeError as exc:
        raise SourceRejected(f"not UTF-8 text: {exc.reason} at byte {exc.start}") from None
