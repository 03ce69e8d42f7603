"""The payload 2.0 event the function receives, and how its answer becomes HTTP."""

from __future__ import annotations

import http.client
import json
import re
import time
from typing import Any
from urllib.parse import urlsplit

import pytest

from pokedex.function_spec import API_FUNCTION
from tests.e2e.gateway_process import GatewayProcess, get

pytestmark = pytest.mark.e2e


def raw_request(
    gateway: GatewayProcess, method: str, target: str, headers: list[tuple[str, str]], body=b""
) -> tuple[int, dict[str, Any], http.client.HTTPResponse]:
    """http.client, because urllib cannot send a header twice."""
    address = urlsplit(gateway.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    own_host = any(name.lower() == "host" for name, _ in headers)
    connection.putrequest(method, target, skip_host=own_host, skip_accept_encoding=True)
    for name, value in headers:
        connection.putheader(name, value)
    connection.putheader("Content-Length", str(len(body)))
    connection.endheaders(body)
    answer = connection.getresponse()
    payload = json.loads(answer.read())
    connection.close()
    return answer.status, payload, answer


def test_headers_are_lower_cased_and_repeated_ones_joined(probe: GatewayProcess) -> None:
    # Given a header sent twice, with mixed case
    headers = [("X-Custom", "one"), ("x-custom", "two"), ("User-Agent", "e2e/1")]
    # When it goes through the gateway
    status, payload, answer = raw_request(probe, "GET", "/echo", headers)
    # Then the event has one lower-cased header with the values joined by commas
    event = payload["event"]
    assert status == 200
    assert event["headers"]["x-custom"] == "one,two"
    assert event["headers"]["user-agent"] == "e2e/1"
    assert all(name == name.lower() for name in event["headers"])
    assert event["requestContext"]["http"]["userAgent"] == "e2e/1"
    assert event["requestContext"]["requestId"] == answer.getheader("apigw-requestid")


# The gateway routes on the raw path as sent, decoded as HTTP API decodes it
# (tests/unit/test_gateway_routing.py has every captured case); these two would differ if it
# used the path its web framework decodes.
CAPTURED_PATHS = [
    ("/files/slash%2Fvalue", "/files/slash/value"),
    ("/files/literal%252Fvalue", "/files/literal/value"),
]


@pytest.mark.parametrize(("sent", "raw_path"), CAPTURED_PATHS)
def test_paths_arrive_decoded_as_http_api_decodes_them(
    probe: GatewayProcess, sent: str, raw_path: str
) -> None:
    event = get(probe.url + sent).json()["event"]
    assert event["rawPath"] == event["requestContext"]["http"]["path"] == raw_path
    assert event["pathParameters"] == {"path": raw_path.removeprefix("/files/")}


def test_a_percent_that_decodes_to_no_escape_is_400(probe: GatewayProcess) -> None:
    answer = get(probe.url + "/files/percent%25done")
    assert (answer.status, answer.json()) == (400, {"message": "Bad Request"})


def test_routes_match_the_decoded_path(probe: GatewayProcess) -> None:
    # An encoded "/" is a separator once decoded: /echo/{id} no longer matches it
    assert get(probe.url + "/echo/a%2Fb").status == 404
    event = get(probe.url + "/echo/%61%20b").json()["event"]
    assert (event["routeKey"], event["pathParameters"]) == ("ANY /echo/{id}", {"id": "a b"})


def test_forwarded_headers_and_domain_name(probe: GatewayProcess) -> None:
    headers = [("X-Forwarded-For", "203.0.113.9"), ("Host", "api.example.com")]
    _, payload, _ = raw_request(probe, "GET", "/echo", headers)
    event = payload["event"]
    assert event["headers"]["x-forwarded-for"] == "203.0.113.9, 127.0.0.1"
    assert event["headers"]["x-forwarded-port"] == probe.url.rsplit(":", 1)[1]
    assert event["headers"]["x-forwarded-proto"] == "http"
    assert event["requestContext"]["domainName"] == "api.example.com"
    assert event["requestContext"]["domainPrefix"] == "api"
    # and with a port in Host, domainName still has none
    _, payload, _ = raw_request(probe, "GET", "/echo", [("Host", "localhost:3000")])
    assert payload["event"]["requestContext"]["domainName"] == "localhost"


def test_request_context_and_absent_optional_fields(probe: GatewayProcess) -> None:
    before = int(time.time() * 1000)
    event = get(probe.url + "/echo").json()["event"]
    context = event["requestContext"]
    assert event["version"] == "2.0"
    assert event["routeKey"] == context["routeKey"] == "GET /echo"
    assert event["rawQueryString"] == ""
    assert event["isBase64Encoded"] is False
    for absent in ("cookies", "queryStringParameters", "pathParameters", "body"):
        assert absent not in event
    assert context["stage"] == "$default"
    assert context["http"]["method"] == "GET"
    assert context["http"]["path"] == "/echo"
    assert context["http"]["protocol"] == "HTTP/1.1"
    assert context["http"]["sourceIp"] == "127.0.0.1"
    assert re.fullmatch(r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000", context["time"])
    assert before - 1000 <= context["timeEpoch"] <= int(time.time() * 1000) + 1000
    assert {"accountId", "apiId", "domainName", "domainPrefix", "requestId"} <= set(context)


def test_context_object_and_environment_variables(probe: GatewayProcess) -> None:
    payload = get(probe.url + "/echo").json()
    context = payload["context"]
    assert re.fullmatch(r"[0-9a-f-]{36}", context["aws_request_id"])
    assert context["function_name"] == "pokedex-local"
    assert context["function_version"] == "$LATEST"
    assert context["memory_limit_in_mb"] == str(API_FUNCTION.memory_mb)  # the spec's default
    assert context["invoked_function_arn"].endswith(":function:pokedex-local")
    assert context["log_group_name"] == "/aws/lambda/pokedex-local"
    assert "[$LATEST]" in context["log_stream_name"]
    assert 0 < context["remaining_ms"] <= 5000
    assert payload["env"]["_HANDLER"] == "probe.handler"
    assert payload["env"]["AWS_LAMBDA_FUNCTION_TIMEOUT"] == "5"


def test_structured_response_with_binary_body_and_cookies(probe: GatewayProcess) -> None:
    binary = get(probe.url + "/binary")
    assert binary.status == 201
    assert binary.body == bytes(range(256))
    assert binary.headers["content-type"] == "application/octet-stream"
    assert binary.headers["x-count"] == "256"
    cookies = get(probe.url + "/cookies")
    assert cookies.headers.get_all("set-cookie") == ["a=1; Path=/", "b=2"]
    assert cookies.body == b"ok"


def test_a_wrong_content_length_from_the_function_does_not_hang_the_client(
    probe: GatewayProcess,
) -> None:
    began = time.monotonic()
    answer = get(probe.url + "/wrong-length", timeout=5)
    assert (answer.status, answer.body) == (200, b"short")
    assert answer.headers["content-length"] == "5"
    assert time.monotonic() - began < 3
