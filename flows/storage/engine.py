"""Engines from a DATABASE_URL: SQLite (embedded default) or PostgreSQL (Supabase-compatible)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

# user:password@ up to the LAST @ of the netloc (a pasted password may hold an unencoded @),
# and password=... given as a query parameter (libpq accepts both).
_PASSWORD_IN_URL = re.compile(r"(://[^:/?#@\s]*:)[^/\s]*@")
_PASSWORD_PARAM = re.compile(r"([?&]password=)[^&\s]*", re.IGNORECASE)


def normalize_url(url: str) -> str:
    """Pin PostgreSQL URLs to psycopg2 (SQLAlchemy 2.1 would pick psycopg 3); accept `postgres://`."""
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            return "postgresql+psycopg2://" + url.removeprefix(scheme)
    return url


def mask_url(url: str) -> str:
    """The URL (normalised) with its password replaced by ***, safe for logs and errors."""
    return _mask_patterns(normalize_url(url))


def mask_secrets(text: str, url: str) -> str:
    """Remove the URL's password from any message (drivers sometimes echo the DSN)."""
    masked = _mask_patterns(text)
    try:
        password = make_url(normalize_url(url)).password
    except Exception:  # noqa: BLE001 - an unparseable URL still gets the pattern masking
        password = None
    for secret in {str(password), *_passwords_in(url)} - {"", "None"}:
        masked = masked.replace(secret, "***")
    return masked


def _mask_patterns(text: str) -> str:
    return _PASSWORD_PARAM.sub(r"\1***", _PASSWORD_IN_URL.sub(r"\1***@", text))


def _passwords_in(url: str) -> set[str]:
    """Password substrings of the URL itself, found by the same patterns that mask them."""
    found = {m.group(0)[len(m.group(1)) : -1] for m in _PASSWORD_IN_URL.finditer(url)}
    found |= {m.group(0)[len(m.group(1)) :] for m in _PASSWORD_PARAM.finditer(url)}
    return {f for f in found if len(f) >= 4}


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    """One pooled engine per URL and process."""
    url = normalize_url(url)
    parsed = make_url(url)
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 60}
    else:
        kwargs["pool_pre_ping"] = True
        # A host that does not answer must fail in seconds, not hang a run or a dashboard page.
        kwargs["connect_args"] = {"connect_timeout": 10}
    engine = create_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def is_postgres(engine: Engine) -> bool:
    """True when the engine talks to PostgreSQL."""
    return engine.dialect.name == "postgresql"


def is_transient_error(exc: BaseException) -> bool:
    """True for database errors worth retrying: lost or refused connections, not bad SQL or data."""
    from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError

    return isinstance(exc, DisconnectionError | InterfaceError | OperationalError)
