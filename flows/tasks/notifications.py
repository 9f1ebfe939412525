"""Notifications through Prefect: the webhook block made from the environment, and automations.yaml applied.

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

BLOCK_NAME = "sales-pipeline-alerts"
BLOCK_PLACEHOLDER = "NOTIFICATION_BLOCK_ID"
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


def automations_of(path: Path, block_id: UUID) -> list[AutomationCore]:
    """The automations in `path`, with the notification block's id where the placeholder stands."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries: list[dict[str, Any]] = data["automations"] if isinstance(data, dict) else data
    return [AutomationCore.model_validate(_with_block(entry, str(block_id))) for entry in entries]


def _with_block(value: Any, block_id: str) -> Any:
    if isinstance(value, dict):
        return {k: _with_block(v, block_id) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_block(v, block_id) for v in value]
    return block_id if value == BLOCK_PLACEHOLDER else value


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
