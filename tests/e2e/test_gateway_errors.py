"""The gateway answers errors the way API Gateway HTTP API does."""

from __future__ import annotations

from pathlib import Path

import pytest

from pokedex_local.gateway.routing import RESERVED_PREFIX
from pokedex_local.gateway.server import ADMIN_PATH
from tests.e2e.gateway_process import GatewayProcess, get, probe_gateway, request

pytestmark = pytest.mark.e2e

INTERNAL = {"message": "Internal Server Error"}


def test_no_route_is_404(probe: GatewayProcess) -> None:
    answer = get(probe.url + "/no/such/route")
    assert answer.status == 404
    assert answer.json() == {"message": "Not Found"}
    assert answer.headers["apigw-requestid"]
    # A method with no route (only GET /fail exists) is no route too.
    assert request("DELETE", probe.url + "/fail").status == 404


@pytest.mark.parametrize(
    "path",
    [
        "/fail",  # the function raised
        "/crash",  # the runtime process died
        "/big",  # a 7 MB response: over Lambda's 6 MB invoke limit
    ],
)
def test_function_failures_are_500(probe: GatewayProcess, path: str) -> None:
    # A malformed answer is a 500 too: tests/unit/test_gateway_responses.py
    answer = get(probe.url + path)
    assert (answer.status, answer.json()) == (500, INTERNAL)


def test_request_over_the_payload_limit_is_413(probe: GatewayProcess) -> None:
    # Over HTTP API's 10 MB limit
    huge = request("POST", probe.url + "/echo", b"x" * (10 * 1024 * 1024 + 1))
    assert (huge.status, huge.json()) == (413, {"message": "Request Entity Too Large"})
    # Under 10 MB, but over Lambda's 6 MB once base64-encoded into the event
    binary = request(
        "POST",
        probe.url + "/echo",
        b"\0" * (5 * 1024 * 1024),
        {"content-type": "application/octet-stream"},
    )
    assert binary.status == 413


def test_integration_timeout_is_503(tmp_path: Path) -> None:
    gateway = probe_gateway(tmp_path, "--integration-timeout", "1", "--timeout", "3")
    try:
        answer = get(gateway.url + "/sleep/2")
        assert (answer.status, answer.json()) == (503, {"message": "Service Unavailable"})
    finally:
        gateway.stop()


def test_admin_paths_never_reach_the_function(probe: GatewayProcess) -> None:
    assert get(probe.url + ADMIN_PATH).json()["function"] == "pokedex-local"
    assert get(probe.url + RESERVED_PREFIX + "/other").status == 404
    # The admin prefix is checked on the path as sent; encoded, it is an API path no
    # route has (routes may not use the prefix)
    assert get(probe.url + "/%5F%5Flocal/environments").status == 404
    assert get(probe.url + ADMIN_PATH + "?brief").json()["function"] == "pokedex-local"
    assert "environments" not in get(probe.url + ADMIN_PATH + "?brief").json()
