"""One real Prefect stack (server, process worker, prefect.yaml deployed, alerts set up) for the session's
deployment and notification tests, with a webhook receiver on 127.0.0.1 standing in for Slack or Teams."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from flows.local_stack import Stack, local_stack

WEBHOOK_TOKEN = "hook-token-8f3a"  # a secret in the webhook's path, as Slack's have: it must never be shown
DASHBOARD_URL = "http://dashboard.test:5006/app"


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


@pytest.fixture(scope="session")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    """A real server + process worker on a free port with a throwaway PREFECT_HOME, deployed from prefect.yaml,
    with `python -m flows.alerts setup` run against it (by local_stack) for a receiver on 127.0.0.1."""
    work = tmp_path_factory.mktemp("deployment")
    port = free_port()
    receiver = Receiver(f"http://127.0.0.1:{port}/hooks/{WEBHOOK_TOKEN}")
    http = _serve(receiver, port)
    env = {
        "DATABASE_URL": f"sqlite:///{work / 'pipeline.db'}",
        "PREFECT_LOGGING_LEVEL": "INFO",
        "ALERT_WEBHOOK_URL": receiver.url,
        "DASHBOARD_URL": DASHBOARD_URL,
        "DOCS_DIR": str(work / "docs"),
    }
    try:
        with local_stack(port=free_port(), home=work / "prefect-home", log_dir=work / "logs", extra_env=env) as stack:
            yield Deployed(stack, work, receiver)
    finally:
        http.shutdown()
