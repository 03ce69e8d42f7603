"""Apps built on other people's Lambda adapters, served by the local gateway unchanged:
Mangum + Starlette (ASGI) and Powertools' APIGatewayHttpResolver. Each reads the event
and shapes the response its own way; if the gateway's events or its handling of their
responses drift from HTTP API's, these apps are the first users to notice."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.e2e.gateway_process import HANDLERS, GatewayProcess, Response, get, request

pytestmark = pytest.mark.e2e

BINARY = bytes(range(256)) * 4 + b"\x00\xff\r\n"


@pytest.fixture(scope="module", params=["starlette_app.handler", "powertools_app.handler"])
def app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[GatewayProcess]:
    gateway = GatewayProcess(
        tmp_path_factory.mktemp(request.param.split(".")[0]),
        "--handler", request.param,
        "--routes", "no_routes:ROUTES",
        "--default-route",
        "--pythonpath", str(HANDLERS),
        "--timeout", "10",
    )  # fmt: skip
    yield gateway
    gateway.stop()


def test_decoded_paths_reach_the_app(app: GatewayProcess) -> None:
    answer = get(app.url + "/files/a%20b")
    assert answer.status == 200, answer.body
    assert answer.json() == {"path": "/files/a b", "name": "a b"}


def test_repeated_query_keys(app: GatewayProcess) -> None:
    answer = get(app.url + "/query?color=red&color=blue&q=a%20b")
    assert answer.status == 200, answer.body
    body = answer.json()
    if "items" in body:  # Starlette reads rawQueryString: every value, in order
        assert body["items"] == [["color", "red"], ["color", "blue"], ["q", "a b"]]
    else:  # Powertools reads queryStringParameters: HTTP API's comma-joined values
        assert body["params"] == {"color": "red,blue", "q": "a b"}


def test_cookies_in_and_out(app: GatewayProcess) -> None:
    address = urlsplit(app.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    connection.request("GET", "/cookies", headers={"Cookie": "a=1; b=two"})
    answer = connection.getresponse()
    body = answer.read()
    connection.close()
    assert answer.status == 200, body
    received = answer.getheader("content-type"), sorted(answer.headers.get_all("set-cookie"))
    assert received[0].startswith("application/json")
    # each cookie its own set-cookie header, as the app set them
    assert [c.split(";")[0] for c in received[1]] == ["flavour=oat", "seen=1"]
    # and the cookies sent, as each adapter hands them over: a dict (Starlette parses the
    # Cookie header Mangum rebuilds from the event's list) or the list itself (Powertools)
    assert json.loads(body)["cookies"] in ({"a": "1", "b": "two"}, ["a=1", "b=two"])


def test_binary_bodies_round_trip_byte_for_byte(app: GatewayProcess) -> None:
    answer = request(
        "POST", app.url + "/bytes", BINARY, {"content-type": "application/octet-stream"}
    )
    assert answer.status == 200, answer.body
    assert answer.body == BINARY
    assert answer.headers["content-type"] == "application/octet-stream"


def test_no_content(app: GatewayProcess) -> None:
    answer = request("DELETE", app.url + "/empty")
    assert (answer.status, answer.body) == (204, b"")


def test_head_has_the_headers_and_no_body(app: GatewayProcess) -> None:
    answer: Response = request("HEAD", app.url + "/query?x=1")
    assert answer.status == 200
    assert answer.body == b""
    assert answer.headers["content-type"].startswith("application/json")
