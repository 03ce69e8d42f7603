"""Every kind of event the gateway builds, as Powertools' event model sees it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.event_model import problems
from tests.e2e.gateway_process import GatewayProcess
from tests.e2e.test_event_mapping import raw_request

pytestmark = pytest.mark.e2e
EVENTS = Path(__file__).parents[1] / "events"

# (method, target, headers, body): one request per shape of event, with the fields that
# are only sometimes there (cookies, query, path parameters, body) present and absent.
REQUESTS: list[tuple[str, str, list[tuple[str, str]], bytes]] = [
    ("GET", "/echo", [], b""),
    ("GET", "/echo?color=red&color=blue&empty=&q=a%20b", [], b""),
    ("GET", "/echo", [("Cookie", "a=1; b=two"), ("X-Custom", "1"), ("x-custom", "2")], b""),
    ("GET", "/echo/a%20b", [("Host", "example.com:8443"), ("X-Forwarded-For", "10.1.1.1")], b""),
    ("GET", "/files/a/b%2Fc/d.txt", [], b""),
    ("PUT", "/echo/7", [("Content-Type", "application/json")], b'{"n": 7}'),
    ("PATCH", "/echo/7", [("Content-Type", "application/merge-patch+json")], b'{"n": 8}'),
    ("DELETE", "/echo/7", [], b""),
    ("OPTIONS", "/echo/7", [], b""),
    ("POST", "/echo", [("Content-Type", "application/octet-stream")], bytes(range(256))),
    ("POST", "/echo", [("Content-Type", "application/x-www-form-urlencoded")], b"a=1&b=2"),
    ("POST", "/echo", [("Content-Type", "text/plain")], b"\xff not utf-8"),
    ("POST", "/echo", [], b"no content type"),
]


def echoed_event(
    gateway: GatewayProcess, method: str, target: str, headers: list[tuple[str, str]], body: bytes
) -> dict[str, Any]:
    status, payload, _ = raw_request(gateway, method, target, headers, body)
    assert status == 200, payload
    return payload["event"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(("method", "target", "headers", "body"), REQUESTS)
def test_powertools_accepts_the_event(
    probe: GatewayProcess, method: str, target: str, headers: list[tuple[str, str]], body: bytes
) -> None:
    # When a request of this shape goes through the gateway to the echoing probe
    event = echoed_event(probe, method, target, headers, body)
    # Then Powertools' model accepts the event the function received, and knows every field
    assert problems(event) == [], json.dumps(event, indent=1)


def test_the_check_rejects_a_broken_event() -> None:
    # The check itself can fail: a misspelt field, and a header that is not a string
    event = json.loads((EVENTS / "get_pikachu.json").read_text())
    assert problems(event) == []
    event["rawpath"] = event.pop("rawPath")
    event["headers"]["x-count"] = 3
    found = problems(event)
    assert "unknown field rawpath" in found
    assert any("rawPath" in p and "headers.x-count" in p for p in found), found
