"""Run ``python -m pokedex_local.gateway`` as a child process and talk to it over HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from pokedex_local.gateway.server import ADMIN_PATH

HANDLERS = Path(__file__).parent / "handlers"


class GatewayProcess:
    def __init__(self, workdir: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.log_path = workdir / "gateway.log"
        ready = workdir / "ready.json"
        command = [sys.executable, "-m", "pokedex_local.gateway", "--port", "0"]
        command += ["--ready-file", str(ready), *args]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
            )
        deadline = time.monotonic() + 30
        while not ready.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"gateway did not start:\n{self.log()}")
            time.sleep(0.05)
        try:
            info = json.loads(ready.read_text())
        except ValueError:
            self.stop()
            raise
        self.url: str = info["url"]
        self.fork_server_pid: int = info["pids"]["fork_server"]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def environments(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.url + ADMIN_PATH, timeout=10) as answer:
            return json.loads(answer.read())  # type: ignore[no-any-return]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def probe_gateway(workdir: Path, *args: str, env: dict[str, str] | None = None) -> GatewayProcess:
    """A gateway serving the probe handler and its route table."""
    return GatewayProcess(
        workdir,
        "--handler",
        "probe.handler",
        "--routes",
        "routes:ROUTES",
        "--pythonpath",
        str(HANDLERS),
        *args,
        env=env,
    )


def get(url: str, headers: dict[str, str] | None = None, timeout: float = 30) -> Response:
    return request("GET", url, headers=headers, timeout=timeout)


def request(
    method: str,
    url: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> Response:
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as answer:
            return Response(answer.status, answer.headers, answer.read())
    except urllib.error.HTTPError as error:
        return Response(error.code, error.headers, error.read())


class Response:
    def __init__(self, status: int, headers: Any, body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)
