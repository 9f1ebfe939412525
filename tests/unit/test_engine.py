"""Tests for database URL handling: normalising schemes and never letting a password into a message."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from flows.storage.engine import mask_secrets, mask_url, normalize_url

# Distinctive passwords, including characters that must be percent-encoded in a URL.
PASSWORDS = ["Zq9xY7wV", "Zq9@xY7", "Zq9:xY/7", "Zq9 x#Y?", "Zq9%xY7", "Zq9ä-xö7", "Zq9'x\"Y"]


def pg_url(password: str, scheme: str = "postgresql") -> str:
    """A PostgreSQL URL carrying `password`, percent-encoded as a URL must carry it."""
    return f"{scheme}://app_user:{quote(password, safe='')}@db.example.com:5432/sales"


def assert_no_secret(text: str, password: str) -> None:
    """Fail if the password, raw or percent-encoded, appears in `text`."""
    assert password not in text
    assert quote(password, safe="") not in text


@pytest.mark.parametrize(
    ("url", "normalized"),
    [
        ("postgres://u@h/db", "postgresql+psycopg2://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg2://u@h/db"),
        ("postgresql+psycopg2://u@h/db", "postgresql+psycopg2://u@h/db"),
        ("sqlite:///data/pipeline.db", "sqlite:///data/pipeline.db"),
        ("sqlite://", "sqlite://"),
    ],
)
def test_normalize_url(url: str, normalized: str) -> None:
    """It pins PostgreSQL URLs to psycopg2, accepts the postgres:// scheme and leaves other URLs alone."""
    assert normalize_url(url) == normalized


@pytest.mark.parametrize("password", PASSWORDS)
@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "postgresql+psycopg2"])
def test_mask_url_hides_the_password(scheme: str, password: str) -> None:
    """It replaces the password with *** and keeps user, host, port and database readable."""
    masked = mask_url(pg_url(password, scheme))
    assert_no_secret(masked, password)
    assert masked == "postgresql+psycopg2://app_user:***@db.example.com:5432/sales"


def test_mask_url_without_password() -> None:
    """It leaves a URL with no password as it was (after normalising)."""
    assert mask_url("sqlite:///data/pipeline.db") == "sqlite:///data/pipeline.db"
    assert (
        mask_url("postgresql://app_user@db.example.com/sales") == "postgresql+psycopg2://app_user@db.example.com/sales"
    )


def test_mask_url_falls_back_on_text_it_cannot_parse() -> None:
    """It still masks a password in text that is not a parseable URL."""
    masked = mask_url(":::://app_user:Zq9xY7wV@db.example.com")
    assert_no_secret(masked, "Zq9xY7wV")
    assert "app_user:***@" in masked


@pytest.mark.parametrize("password", PASSWORDS)
def test_mask_secrets_in_an_echoed_dsn(password: str) -> None:
    """It masks the password of a URL that a driver echoes inside an error message."""
    url = pg_url(password)
    message = f'connection to server failed: could not connect using "{url}"\nsecond line {url}'
    masked = mask_secrets(message, url)
    assert_no_secret(masked, password)
    assert masked.count("app_user:***@db.example.com") == 2


@pytest.mark.parametrize("password", PASSWORDS)
def test_mask_secrets_bare_password(password: str) -> None:
    """It masks the password where it appears on its own in a message, not only inside a URL."""
    masked = mask_secrets(f"FATAL: password authentication failed (tried {password})", pg_url(password))
    assert_no_secret(masked, password)
    assert masked == "FATAL: password authentication failed (tried ***)"


def test_mask_secrets_of_another_url_in_the_message() -> None:
    """It masks any URL's password in a message, even one that is not the configured URL."""
    masked = mask_secrets("replica postgresql://ro:Other99pw@replica/sales is down", pg_url("Zq9xY7wV"))
    assert_no_secret(masked, "Other99pw")


def test_mask_secrets_leaves_harmless_text_alone() -> None:
    """It leaves a message without secrets unchanged."""
    message = "relation raw_sales does not exist"
    assert mask_secrets(message, pg_url("Zq9xY7wV")) == message
    assert mask_secrets(message, "sqlite:///data/pipeline.db") == message


def test_mask_url_with_malformed_port() -> None:
    """It masks, rather than raises on, a URL whose port is not a number."""
    url = "postgresql://app_user:Zq9xY7wV@db.example.com:54a2/sales"
    assert_no_secret(mask_url(url), "Zq9xY7wV")
    assert_no_secret(mask_secrets(f"bad URL {url}", url), "Zq9xY7wV")


def test_mask_url_password_in_query() -> None:
    """It masks a password passed as the libpq `password` query parameter."""
    url = "postgresql://app_user@db.example.com/sales?password=Zq9xY7wV"
    assert_no_secret(mask_url(url), "Zq9xY7wV")
    assert_no_secret(mask_secrets(f"could not connect to {url}", url), "Zq9xY7wV")


def test_mask_url_unencoded_at_sign() -> None:
    """It masks all of a password that contains an unencoded @ (a common copy-paste mistake)."""
    url = "postgresql://app_user:Zq9@xY7wV@db.example.com/sales"
    assert "xY7wV" not in mask_url(url)
    assert "xY7wV" not in mask_secrets(f"could not connect to {url}", url)
