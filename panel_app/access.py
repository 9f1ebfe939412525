"""Who may change data from the dashboard: a signed-in user and an explicitly configured writer connection.

Without `panel serve --basic-auth ... --cookie-secret ...` there is no signed-in user, and without
STEWARD_DATABASE_URL there is no writer: either way the dashboard is read-only and shows no write control.
"""

from __future__ import annotations

from dataclasses import dataclass
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
