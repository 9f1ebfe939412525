"""Command line for alert notifications: set them up on the Prefect server at PREFECT_API_URL.

    python -m flows.alerts setup [--automations automations.yaml]

Creates or updates the webhook notification block from ALERT_WEBHOOK_URL (kept as a block secret), then
creates or updates each automation of automations.yaml by name, so running it twice leaves one copy of each.
Without ALERT_WEBHOOK_URL it changes nothing and says so: findings are still recorded and emitted as events.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from flows.settings import get_settings
from flows.tasks.common import masked, masked_error
from flows.tasks.notifications import BLOCK_NAME, apply_automations, automations_of, save_webhook_block


def api_url() -> str:
    """The Prefect API the set-up talks to (PREFECT_API_URL; none means a temporary local server)."""
    from prefect.settings import PREFECT_API_URL

    return str(PREFECT_API_URL.value() or "(none: a temporary local server)")


AUTOMATIONS = Path(__file__).resolve().parents[1] / "automations.yaml"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flows.alerts", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    setup = commands.add_parser("setup", help="create the notification block and apply automations.yaml")
    setup.add_argument("--automations", type=Path, default=AUTOMATIONS, help="default: the repository's file")
    args = parser.parse_args(argv)
    webhook = get_settings().alert_webhook_url
    if webhook is None or not webhook.get_secret_value():
        print("alerts: ALERT_WEBHOOK_URL is not set; no notification block or automation made (findings are still")
        print("recorded in the alerts table and emitted as Prefect events)")
        return 0
    try:
        block_id = save_webhook_block(webhook.get_secret_value())
        print(f"alerts: notification block {BLOCK_NAME!r} saved ({block_id})")
        for applied in apply_automations(automations_of(args.automations, block_id)):
            print(f"alerts: automation {applied.name!r} {applied.action} ({applied.automation_id})")
    except Exception as error:  # noqa: BLE001 - one clear line, the webhook URL never in it
        reason = masked_error(error).replace(webhook.get_secret_value(), "<ALERT_WEBHOOK_URL>")
        print(f"alerts: set-up against the Prefect API at {masked(api_url())} failed: {reason}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
