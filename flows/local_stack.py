"""A local Prefect stack for the deployment: server, `process` worker, `prefect deploy`, clean stop.

    python -m flows.local_stack up              # serve until Ctrl-C (UI on http://127.0.0.1:4200)
    python -m flows.local_stack run-once        # up, run the deployment once and wait, then stop

The children run with PREFECT_API_URL pointing at this server; everything else keeps working
without a server (one-shot CLI runs start a temporary one).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POOL = "local-pool"
DEPLOYMENT = "process-incoming/daily-incoming"


@dataclass(frozen=True)
class Stack:
    """A running server and worker, and the environment that talks to them."""

    api_url: str
    env: dict[str, str]

    def prefect(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run a `prefect` CLI command against this stack from the repo root."""
        command = [str(Path(sys.executable).with_name("prefect")), *args]
        return subprocess.run(command, cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout)


def stack_env(port: int, home: Path | None = None) -> dict[str, str]:
    """The environment for server, worker and CLI: this API URL, offline-safe settings."""
    env = dict(os.environ, PREFECT_API_URL=f"http://127.0.0.1:{port}/api", DO_NOT_TRACK="1")
    env.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_UI_API_URL=f"http://127.0.0.1:{port}/api")
    if home is not None:
        env["PREFECT_HOME"] = str(home)
    return env


@contextmanager
def local_stack(
    port: int = 4200, home: Path | None = None, log_dir: Path | None = None, extra_env: dict[str, str] | None = None
) -> Iterator[Stack]:
    """Start a server and a worker, deploy prefect.yaml, set up alert notifications, stop both on exit."""
    env = {**stack_env(port, home), **(extra_env or {})}
    logs = log_dir or ROOT / "data" / "prefect-logs"
    logs.mkdir(parents=True, exist_ok=True)
    prefect = str(Path(sys.executable).with_name("prefect"))
    children: list[subprocess.Popen[bytes]] = []
    try:
        server_cmd = [prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)]
        children.append(_spawn(server_cmd, env, logs / "server.log"))
        _wait_healthy(env["PREFECT_API_URL"], children[0])
        stack = Stack(api_url=env["PREFECT_API_URL"], env=env)
        _check(stack.prefect("work-pool", "create", POOL, "--type", "process", "--overwrite"))
        children.append(
            _spawn([prefect, "worker", "start", "--pool", POOL, "--type", "process"], env, logs / "worker.log")
        )
        _check(stack.prefect("deploy", "--all", "--no-prompt"))
        alerts = [sys.executable, "-m", "flows.alerts", "setup"]  # the notification block and automations.yaml
        setup = subprocess.run(alerts, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        _check(setup)
        print(setup.stdout, end="", flush=True)
        yield stack
    finally:
        for child in reversed(children):
            _stop(child)


def _spawn(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    # A new session of its own, so stopping it stops its children too (and the first SIGTERM counts).
    handle = log.open("ab")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)


def _wait_healthy(api_url: str, server: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the Prefect server exited with code {server.returncode}; see its log")
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"the Prefect server at {api_url} was not healthy within {timeout:.0f} s")


def _stop(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(child.pid, sig)
            child.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
        except ProcessLookupError:
            return


def _check(result: subprocess.CompletedProcess[str]) -> None:
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(result.args[1:3])} failed: {(result.stderr or result.stdout).strip()[-500:]}")


def main(argv: list[str] | None = None) -> int:
    """Command line: `up` until Ctrl-C, or `run-once` to run the deployment and stop."""
    parser = argparse.ArgumentParser(prog="python -m flows.local_stack", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["up", "run-once"])
    parser.add_argument("--port", type=int, default=4200)
    args = parser.parse_args(argv)
    with local_stack(port=args.port) as stack:
        print(f"Prefect UI: {stack.api_url.removesuffix('/api')}  (deployment {DEPLOYMENT}, pool {POOL})", flush=True)
        if args.action == "run-once":
            result = stack.prefect("deployment", "run", DEPLOYMENT, "--watch", timeout=1800)
            print(result.stdout[-2000:])
            return result.returncode
        try:
            signal.pause()
        except KeyboardInterrupt:
            print("stopping the worker and the server", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
