"""One real Prefect stack (server, process worker, prefect.yaml deployed, alerts set up) for the session's
deployment and notification tests, with a webhook receiver and an SMTP server on 127.0.0.1 standing in for Slack
or Teams and for a mail server."""

from __future__ import annotations

import json
import socket
import socketserver
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from flows.local_stack import Stack, local_stack

WEBHOOK_TOKEN = "hook-token-8f3a"  # a secret in the webhook's path, as Slack's have: it must never be shown
DASHBOARD_URL = "http://dashboard.test:5006/app"


def api(stack: Stack, path: str, body: dict[str, Any] | None = None) -> Any:
    """A call to the stack's Prefect REST API: GET, or POST with a JSON body; the decoded JSON answer."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{stack.api_url}{path}", data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Receiver:
    """The POSTs a webhook endpoint received (path and JSON body), in order."""

    url: str
    posts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def wait_for(self, wanted: Callable[[dict[str, Any]], bool], timeout_s: float = 120) -> dict[str, Any]:
        """The first POST body `wanted` accepts, waiting for it to arrive."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for _, body in list(self.posts):
                if wanted(body):
                    return body
            time.sleep(0.5)
        raise AssertionError(f"no matching notification within {timeout_s:.0f} s; received: {self.posts}")


@dataclass
class Mailbox:
    """The messages an SMTP server on 127.0.0.1 received (parsed), in order: a mail server standing in for one."""

    port: int
    messages: list[EmailMessage] = field(default_factory=list)

    def wait_for(self, wanted: Callable[[EmailMessage], bool], timeout_s: float = 120) -> EmailMessage:
        """The first message `wanted` accepts, waiting for it to arrive."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for message in list(self.messages):
                if wanted(message):
                    return message
            time.sleep(0.5)
        raise AssertionError(
            f"no matching e-mail within {timeout_s:.0f} s; received: {[m['Subject'] for m in self.messages]}"
        )


def _smtp(mailbox: Mailbox) -> socketserver.ThreadingTCPServer:
    """Just enough SMTP for smtplib without TLS or login: EHLO, MAIL, RCPT, DATA, QUIT."""

    class Session(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            self.wfile.write(b"220 test SMTP\r\n")
            while line := self.rfile.readline():
                verb = line[:4].upper()
                if verb == b"DATA":
                    self.wfile.write(b"354 go on\r\n")
                    data = b"".join(iter(self.rfile.readline, b".\r\n"))
                    mailbox.messages.append(BytesParser(policy=default).parsebytes(data))
                    self.wfile.write(b"250 queued\r\n")
                elif verb == b"QUIT":
                    self.wfile.write(b"221 bye\r\n")
                    return
                else:  # EHLO, HELO, MAIL, RCPT, RSET, NOOP
                    self.wfile.write(b"250 ok\r\n")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", mailbox.port), Session)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _serve(receiver: Receiver, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            receiver.posts.append((self.path, json.loads(body or b"{}")))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@dataclass(frozen=True)
class Deployed:
    """The running stack, its scratch folder (default database: work/pipeline.db) and the webhook receiver."""

    stack: Stack
    work: Path
    receiver: Receiver
    mailbox: Mailbox


@pytest.fixture(scope="session")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    """A real server + process worker on a free port with a throwaway PREFECT_HOME, deployed from prefect.yaml,
    with `python -m flows.alerts setup` run against it (by local_stack) for a receiver on 127.0.0.1."""
    work = tmp_path_factory.mktemp("deployment")
    port = free_port()
    receiver = Receiver(f"http://127.0.0.1:{port}/hooks/{WEBHOOK_TOKEN}")
    http = _serve(receiver, port)
    mailbox = Mailbox(free_port())
    smtp = _smtp(mailbox)
    env = {
        "ALERT_SMTP_SERVER": "127.0.0.1",
        "ALERT_SMTP_PORT": str(mailbox.port),
        "ALERT_SMTP_TYPE": "INSECURE",
        "ALERT_EMAIL_TO": "finance@example.com",
        "ALERT_EMAIL_FROM": "pipeline@example.com",
        "DATABASE_URL": f"sqlite:///{work / 'pipeline.db'}",
        "PREFECT_LOGGING_LEVEL": "INFO",
        "ALERT_WEBHOOK_URL": receiver.url,
        "DASHBOARD_URL": DASHBOARD_URL,
        "DOCS_DIR": str(work / "docs"),
    }
    try:
        with local_stack(port=free_port(), home=work / "prefect-home", log_dir=work / "logs", extra_env=env) as stack:
            yield Deployed(stack, work, receiver, mailbox)
    finally:
        http.shutdown()
        smtp.shutdown()
