"""The alert e-mail flow: the automations' run-deployment actions send their message through it.

Prefect runs an automation's notifications on the server through notification blocks, and `prefect-email` has
none; so with SMTP settings, `python -m flows.alerts setup` saves prefect-email's `EmailServerCredentials` block
and adds to each automation an action that runs this flow's deployment (prefect.yaml, `alert-email`) with the
rendered subject and body. It runs on the worker like any flow run, and its own failure is visible in Prefect.
"""

from __future__ import annotations

import html

from prefect import flow
from prefect_email import EmailServerCredentials, email_send_message

from flows.tasks.notifications import SMTP_BLOCK


@flow(name="send-alert-email", validate_parameters=True)
async def send_alert_email(subject: str, body: str, to: str, sender: str | None = None) -> None:
    """Send one notification to `to` (addresses separated by commas) through the saved SMTP block."""
    credentials = await EmailServerCredentials.aload(SMTP_BLOCK)
    await email_send_message(
        subject=subject,
        msg=f"<pre>{html.escape(body)}</pre>",
        msg_plain=body,
        email_server_credentials=credentials,
        email_from=sender,
        email_to=to,
    )
