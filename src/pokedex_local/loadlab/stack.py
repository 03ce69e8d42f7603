"""The stack under test: one the lab starts (and stops), or one already running.

A started stack is `python -m pokedex_local.run` in a child process with its own state
directory and a free port; it is ready when it has written its stack.json. A running one
is read from the stack.json that `make run` wrote, and left running.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from psycopg.conninfo import make_conninfo

from pokedex_local.tier import secrets_server
from pokedex_local.tier.endpoint import Endpoint
from pokedex_local.tier.processes import alive, log_tail


class StackError(RuntimeError):
    pass


@dataclass
class RunningStack:
    """A local stack that is up, as its stack.json describes it (``process``: the child
    this lab started, None for one it attached to). Not a CDK ``Stack``: nothing here is
    deployed."""

    description: dict[str, Any]
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def api_url(self) -> str:
        return str(self.description["api_url"]).rstrip("/")

    @property
    def mode(self) -> str:
        return str(self.description.get("connection_mode", "proxy"))

    def endpoint(self, name: str) -> dict[str, Any]:
        found: dict[str, Any] = self.description[name]
        return found

    def conninfo(self, name: str, *, dbname: str | None = None) -> str:
        """A libpq string for one of the endpoints stack.json describes, quoted by
        Endpoint.conninfo: a password with a space or a quote in it still connects."""
        e = self.endpoint(name)
        endpoint = Endpoint(
            e["host"], int(e["port"]), dbname or e["dbname"], e["user"], e["password"]
        )
        return make_conninfo(endpoint.conninfo(sslmode="require"), connect_timeout=5)

    def secrets_client(self) -> Any:
        """A boto3 client for the stack's Secrets Manager endpoint, signing with the
        credentials the stack gave its function (the endpoint accepts no others)."""
        env = self.description["function"]["env"]
        return secrets_server.client_for(self.description["secrets_endpoint"], env)

    def admin(self, timeout: float = 5.0) -> dict[str, Any]:
        """The gateway's environment summary, from the admin_url stack.json gives."""
        with urllib.request.urlopen(self.description["admin_url"], timeout=timeout) as answer:
            summary: dict[str, Any] = json.loads(answer.read())
        return summary

    def postgres_log(self) -> Path | None:
        logs = self.description.get("logs_dir")
        return Path(logs) / "postgres.log" if logs else None

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)  # the same as Ctrl-C: it stops what it started
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def attach(stack_json: Path) -> RunningStack:
    try:
        description = json.loads(stack_json.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StackError(f"cannot read {stack_json}: {exc}") from None
    pids = description.get("pids", {})
    gateway = pids.get("gateway") if isinstance(pids, dict) else None
    if gateway and not alive(int(gateway)):
        raise StackError(f"{stack_json} describes a stack that is no longer running")
    return RunningStack(description)


def start(mode: str, state_dir: Path, *, extra: list[str] | None = None) -> RunningStack:
    state_dir.mkdir(parents=True, exist_ok=True)
    stack_json = state_dir / "stack.json"
    stack_json.unlink(missing_ok=True)
    command = [
        sys.executable, "-m", "pokedex_local.run", "--via", mode, "--port", "0",
        "--state-dir", str(state_dir), *(extra or []),
    ]  # fmt: skip
    return launch(command, stack_json, state_dir / f"stack-{mode}.log", f"the {mode} stack")


def launch(
    command: list[str], stack_json: Path, log_path: Path, what: str, *, cwd: Path | None = None
) -> RunningStack:
    """Run ``command`` (a `make run`), ready once it has written ``stack_json``."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=cwd)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StackError(f"{what} exited at start-up:\n{log_tail(log_path)}")
        if stack_json.exists():
            # run.py writes it with a rename, so it is never read half-written.
            return RunningStack(json.loads(stack_json.read_text()), process, log_path)
        time.sleep(0.2)
    RunningStack({}, process).stop()
    raise StackError(f"{what} did not become ready in 120 s:\n{log_tail(log_path)}")
