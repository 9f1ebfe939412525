"""Notifications through Prefect: the webhook and SMTP blocks made from the environment, automations.yaml applied.

Both talk to the Prefect server at PREFECT_API_URL. The webhook URL goes into the block as a secret (it often
carries a token): the block's `url` is a placeholder, so neither the Prefect UI, the API nor a log shows it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import yaml
from prefect.blocks.notifications import CustomWebhookNotificationBlock
from prefect.client.orchestration import get_client
from prefect.events.schemas.automations import AutomationCore
from prefect.types import SecretDict
from prefect_email import EmailServerCredentials
from pydantic import SecretStr

BLOCK_NAME = "sales-pipeline-alerts"
BLOCK_PLACEHOLDER = "NOTIFICATION_BLOCK_ID"
SMTP_BLOCK = "sales-pipeline-smtp"
EMAIL_DEPLOYMENT = "send-alert-email/alert-email"
WEBHOOK_TIMEOUT_S = 10.0
# Slack- and Teams-style endpoints read `text`; other receivers get the subject and body apart as well.
WEBHOOK_JSON = {"text": "{{subject}}\n{{body}}", "subject": "{{subject}}", "body": "{{body}}", "source": "{{name}}"}


@dataclass(frozen=True)
class Applied:
    """What `apply_automations` did to one automation: created or updated, and its id."""

    name: str
    action: str
    automation_id: UUID


def save_webhook_block(url: str, name: str = BLOCK_NAME) -> UUID:
    """Create or update the webhook notification block; return its block document id."""
    block = CustomWebhookNotificationBlock(
        name=name,
        url="{{webhook_url}}",
        json_data=WEBHOOK_JSON,
        headers={"Content-Type": "application/json"},
        cookies={},
        secrets=SecretDict({"webhook_url": url}),
        timeout=WEBHOOK_TIMEOUT_S,
    )
    return UUID(str(block.save(name, overwrite=True)))


@dataclass(frozen=True)
class EmailRoute:
    """Where alert e-mail goes: the `alert-email` deployment that sends it, the recipients and the sender."""

    deployment_id: UUID
    to: str
    sender: str | None = None


def save_smtp_block(
    server: str, smtp_type: str, port: int | None, username: str | None, password: str | None, name: str = SMTP_BLOCK
) -> UUID:
    """Create or update prefect-email's SMTP credentials block (the password as a block secret)."""
    block = EmailServerCredentials(
        smtp_server=server, smtp_type=smtp_type, smtp_port=port, username=username, password=SecretStr(password or "")
    )
    return UUID(str(block.save(name, overwrite=True)))


def email_deployment_id() -> UUID:
    """The id of the `alert-email` deployment (prefect.yaml), which must be deployed first."""
    return asyncio.run(_deployment_id(EMAIL_DEPLOYMENT))


async def _deployment_id(name: str) -> UUID:
    async with get_client() as client:
        return (await client.read_deployment_by_name(name)).id


def automations_of(path: Path, block_id: UUID | None, email: EmailRoute | None = None) -> list[AutomationCore]:
    """The automations in `path`: each notification action goes to the webhook block (if `block_id`), and to
    e-mail through the `alert-email` deployment (if `email`), with the same subject and body."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries: list[dict[str, Any]] = data["automations"] if isinstance(data, dict) else data
    automations = []
    for entry in entries:
        notices = [a for a in entry["actions"] if a["type"] == "send-notification"]
        actions = [a for a in entry["actions"] if a["type"] != "send-notification"]
        if block_id is not None:
            actions += [{**a, "block_document_id": str(block_id)} for a in notices]
        if email is not None:
            actions += [_email_action(email, a["subject"], a["body"]) for a in notices]
        automations.append(AutomationCore.model_validate({**entry, "actions": actions}))
    return automations


def _email_action(email: EmailRoute, subject: str, body: str) -> dict[str, Any]:
    parameters = {"subject": subject, "body": body, "to": email.to, "sender": email.sender}
    return {
        "type": "run-deployment",
        "source": "selected",
        "deployment_id": str(email.deployment_id),
        "parameters": parameters,
    }


def apply_automations(automations: list[AutomationCore]) -> list[Applied]:
    """Create each automation, or update the one of the same name (deleting extra copies): idempotent."""
    return asyncio.run(_apply(automations))


async def _apply(automations: list[AutomationCore]) -> list[Applied]:
    applied = []
    async with get_client() as client:
        for automation in automations:
            existing = await client.read_automations_by_name(automation.name)
            if not existing:
                applied.append(Applied(automation.name, "created", await client.create_automation(automation)))
                continue
            keep, *extra = sorted(existing, key=lambda a: str(a.id))
            for copy in extra:
                await client.delete_automation(copy.id)
            await client.update_automation(keep.id, automation)
            applied.append(Applied(automation.name, "updated", keep.id))
    return applied
