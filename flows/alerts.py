"""Command line for alert notifications: set them up on the Prefect server at PREFECT_API_URL.

    python -m flows.alerts setup [--automations automations.yaml]

Creates or updates the webhook notification block from ALERT_WEBHOOK_URL (kept as a block secret) and, with
ALERT_SMTP_SERVER and ALERT_EMAIL_TO, prefect-email's SMTP block; then creates or updates each automation of
automations.yaml by name (running it twice leaves one copy of each), notifying the webhook, e-mail or both.
With neither configured it changes nothing and says so: findings are still recorded and emitted as events.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from uuid import UUID

from flows.settings import Settings, get_settings
from flows.tasks.common import masked, masked_error
from flows.tasks.notifications import (
    BLOCK_NAME,
    SMTP_BLOCK,
    EmailRoute,
    apply_automations,
    automations_of,
    email_deployment_id,
    save_smtp_block,
    save_webhook_block,
)

AUTOMATIONS = Path(__file__).resolve().parents[1] / "automations.yaml"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flows.alerts", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    setup = commands.add_parser("setup", help="create the notification blocks and apply automations.yaml")
    setup.add_argument("--automations", type=Path, default=AUTOMATIONS, help="default: the repository's file")
    args = parser.parse_args(argv)
    settings = get_settings()
    webhook = settings.alert_webhook_url.get_secret_value() if settings.alert_webhook_url else ""
    wants_email = bool(settings.alert_smtp_server and settings.alert_email_to)
    if not webhook and not wants_email:
        print("alerts: neither ALERT_WEBHOOK_URL nor ALERT_SMTP_SERVER with ALERT_EMAIL_TO is set; no block or")
        print("automation made (findings are still recorded in the alerts table and emitted as Prefect events)")
        return 0
    try:
        block_id = _webhook(webhook)
        email = _email(settings) if wants_email else None
        for applied in apply_automations(automations_of(args.automations, block_id, email)):
            print(f"alerts: automation {applied.name!r} {applied.action} ({applied.automation_id})")
    except Exception as error:  # noqa: BLE001 - one clear line, no secret in it
        reason = masked_error(error)
        for secret in (
            webhook,
            settings.alert_smtp_password.get_secret_value() if settings.alert_smtp_password else "",
        ):
            reason = reason.replace(secret, "<secret>") if secret else reason
        print(f"alerts: set-up against the Prefect API at {masked(api_url())} failed: {reason}", file=sys.stderr)
        return 1
    return 0


def _webhook(url: str) -> UUID | None:
    if not url:
        return None
    block_id = save_webhook_block(url)
    print(f"alerts: webhook block {BLOCK_NAME!r} saved ({block_id})")
    return block_id


def _email(settings: Settings) -> EmailRoute:
    password = settings.alert_smtp_password.get_secret_value() if settings.alert_smtp_password else None
    server, kind = str(settings.alert_smtp_server), settings.alert_smtp_type
    block_id = save_smtp_block(server, kind, settings.alert_smtp_port, settings.alert_smtp_username, password)
    print(f"alerts: SMTP block {SMTP_BLOCK!r} saved ({block_id}): {kind} {server}, to {settings.alert_email_to}")
    return EmailRoute(email_deployment_id(), str(settings.alert_email_to), settings.alert_email_from)


def api_url() -> str:
    """The Prefect API the set-up talks to (PREFECT_API_URL; none means a temporary local server)."""
    from prefect.settings import PREFECT_API_URL

    return str(PREFECT_API_URL.value() or "(none: a temporary local server)")


if __name__ == "__main__":
    sys.exit(main())
