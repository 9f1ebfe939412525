"""Who may change data from the dashboard: a signed-in user and an explicitly configured writer connection.

Without `panel serve --basic-auth ... --cookie-secret ...` there is no signed-in user, and without
STEWARD_DATABASE_URL there is no writer: either way the dashboard is read-only and shows no write control.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from flows.settings import Settings

if TYPE_CHECKING:
    from flows.steward import Steward


@dataclass(frozen=True)
class StewardAccess:
    """The writer (None: not configured) and the signed-in user (None: no sign-in) of one browser session."""

    steward: Steward | None = None
    user: str | None = None

    @classmethod
    def of(cls, settings: Settings, user: str | None) -> StewardAccess:
        """The session's access: the steward writer is built only for a signed-in user (it loads GX)."""
        if not user or settings.steward_database_url is None:
            return cls(None, user or None)
        from flows.steward import Steward

        return cls(Steward.from_settings(settings), user)

    @property
    def can_write(self) -> bool:
        """True when a signed-in user has a writer connection."""
        return self.steward is not None and bool(self.user)

    def read_only_reason(self) -> str:
        """Why there are no steward actions here."""
        if not self.user:
            return "Read-only: nobody is signed in (steward actions need panel serve --basic-auth)."
        return f"Read-only for {self.user}: no writer connection is configured (STEWARD_DATABASE_URL)."


READ_ONLY = StewardAccess()


def access_of(value: object) -> StewardAccess:
    """A card's `access` parameter as a StewardAccess (anything else is read-only)."""
    return value if isinstance(value, StewardAccess) else READ_ONLY


def signed_in_user(cookies: Mapping[str, str], cookie_secret: str | None, stewards_file: object) -> str | None:
    """Who signed in through Panel's basic auth, from the `user` cookie Panel signed with the cookie secret.

    Never `pn.state.user`: it says "guest" for anyone who sends an (unsigned) `is_guest` cookie. A session with
    that cookie, an unsigned or expired `user` cookie, or a server without a cookie secret has no user; nor has
    one where `--basic-auth` is not a credentials file (Panel then takes it as one password shared by any name).
    """
    if cookies.get("is_guest") or not cookie_secret or not cookies.get("user"):
        return None
    if isinstance(stewards_file, str) and not Path(stewards_file).is_file():
        return None
    from tornado.web import decode_signed_value

    decoded = decode_signed_value(cookie_secret, "user", cookies["user"], max_age_days=31)
    return decoded.decode("utf-8") if isinstance(decoded, bytes) else None
