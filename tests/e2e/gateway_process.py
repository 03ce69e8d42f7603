"""The e2e tests' gateways (pokedex_local.gateway.child_process) and how they talk to them."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

# Imported from here by the tests, with the helpers below.
from pokedex_local.gateway.child_process import GatewayProcess

HANDLERS = Path(__file__).parent / "handlers"


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
