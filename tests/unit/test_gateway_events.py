"""The payload 2.0 event the gateway builds from a request (gateway/events.py), in-process."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest

from pokedex_local.gateway.events import (
    ACCOUNT_ID,
    API_ID,
    HttpRequest,
    build_event,
    host_without_port,
    new_lambda_request_id,
    new_request_id,
)

# 2026-11-29 18:30:05.250 UTC: a fixed clock, so time and timeEpoch can be checked exactly.
NOW = 1_795_977_005.25


def request(
    method: str = "GET",
    path: str = "/echo",
    query: str = "",
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
) -> HttpRequest:
    return HttpRequest(
        method=method,
        raw_path=path,
        raw_query=query,
        headers=headers if headers is not None else [("Host", "localhost:3000")],
        body=body,
        source_ip="192.0.2.7",
        port=3000,
    )


def event_for(http_request: HttpRequest, **options: Any) -> dict[str, Any]:
    route_key = options.pop("route_key", "GET /echo")
    params = options.pop("path_parameters", {})
    return build_event(http_request, route_key, params, "req-1", now=NOW, **options)


def test_headers_are_lower_cased_and_a_repeated_one_joined_with_commas() -> None:
    headers = [("X-Custom", "one"), ("x-custom", "two"), ("User-Agent", "unit/1")]
    event = event_for(request(headers=headers))
    assert event["headers"]["x-custom"] == "one,two"
    assert event["headers"]["user-agent"] == "unit/1"
    assert all(name == name.lower() for name in event["headers"])
    assert event["requestContext"]["http"]["userAgent"] == "unit/1"


def test_the_gateway_adds_forwarding_headers_and_a_trace_id() -> None:
    event = event_for(request(headers=[("X-Forwarded-For", "203.0.113.9")]))
    headers = event["headers"]
    # The caller's address goes last: the one entry a client cannot forge
    assert headers["x-forwarded-for"] == "203.0.113.9, 192.0.2.7"
    assert (headers["x-forwarded-proto"], headers["x-forwarded-port"]) == ("http", "3000")
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}", headers["x-amzn-trace-id"])
    # and a trace id the client sent is kept as it is
    traced = event_for(request(headers=[("X-Amzn-Trace-Id", "Root=1-abc")]))
    assert traced["headers"]["x-amzn-trace-id"] == "Root=1-abc"
    assert traced["headers"]["x-forwarded-for"] == "192.0.2.7"


def test_cookies_move_to_their_own_list_and_leave_the_headers() -> None:
    event = event_for(request(headers=[("Cookie", "a=1; b=two; c="), ("Cookie", "d=4")]))
    assert event["cookies"] == ["a=1", "b=two", "c=", "d=4"]
    assert "cookie" not in event["headers"]


def test_no_cookie_header_means_no_cookies_key() -> None:
    assert "cookies" not in event_for(request())


def test_query_keys_repeated_are_joined_and_the_raw_string_is_kept() -> None:
    event = event_for(request(query="color=red&color=blue&empty=&q=a%20b"))
    assert event["rawQueryString"] == "color=red&color=blue&empty=&q=a%20b"
    assert event["queryStringParameters"] == {"color": "red,blue", "empty": "", "q": "a b"}


def test_raw_path_and_http_path_are_the_path_given() -> None:
    event = event_for(request(path="/files/space value"))
    assert event["rawPath"] == event["requestContext"]["http"]["path"] == "/files/space value"


def test_path_parameters_only_when_the_route_has_some() -> None:
    with_params = event_for(request(), route_key="GET /echo/{id}", path_parameters={"id": "7"})
    assert with_params["pathParameters"] == {"id": "7"}
    assert "pathParameters" not in event_for(request())


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        "Text/HTML",
        "application/merge-patch+json",
        "application/soap+xml",
        "application/xml",
        "application/javascript",
    ],
)
def test_text_bodies_pass_as_text(content_type: str) -> None:
    event = event_for(request("POST", headers=[("Content-Type", content_type)], body=b"{1}"))
    assert (event["body"], event["isBase64Encoded"]) == ("{1}", False)


@pytest.mark.parametrize(
    "headers",
    [
        [("Content-Type", "application/octet-stream")],
        [("Content-Type", "application/x-www-form-urlencoded")],  # as AWS does
        [("Content-Type", "image/png")],
        [],  # no content type at all
    ],
)
def test_other_bodies_are_base64(headers: list[tuple[str, str]]) -> None:
    data = bytes(range(256))
    event = event_for(request("POST", headers=headers, body=data))
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == data


def test_a_text_body_that_is_not_utf8_is_passed_intact_as_base64() -> None:
    data = b"\xff not utf-8"
    event = event_for(request("POST", headers=[("Content-Type", "text/plain")], body=data))
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == data


def test_no_body_means_no_body_key_and_not_base64() -> None:
    event = event_for(request())
    assert "body" not in event
    assert event["isBase64Encoded"] is False


def test_request_context_fields() -> None:
    event = event_for(request(headers=[("Host", "api.example.com:8443")]))
    context = event["requestContext"]
    assert event["version"] == "2.0"
    assert event["routeKey"] == context["routeKey"] == "GET /echo"
    assert (context["accountId"], context["apiId"]) == (ACCOUNT_ID, API_ID)
    assert (context["domainName"], context["domainPrefix"]) == ("api.example.com", "api")
    assert context["requestId"] == "req-1"
    assert context["stage"] == "$default"
    assert context["http"] == {
        "method": "GET",
        "path": "/echo",
        "protocol": "HTTP/1.1",
        "sourceIp": "192.0.2.7",
        "userAgent": "",
    }
    assert context["time"] == "29/Nov/2026:18:30:05 +0000"
    assert context["timeEpoch"] == 1_795_977_005_250


def test_a_request_without_host_is_for_localhost() -> None:
    context = event_for(request(headers=[]))["requestContext"]
    assert (context["domainName"], context["domainPrefix"]) == ("localhost", "localhost")


def test_the_authorizer_key_is_there_only_for_a_route_behind_one() -> None:
    assert "authorizer" not in event_for(request())["requestContext"]
    claims = {"jwt": {"claims": {"sub": "ash"}, "scopes": None}}
    context = event_for(request(), authorizer=claims)["requestContext"]
    assert context["authorizer"] == claims


@pytest.mark.parametrize(
    ("host", "name"),
    [
        ("localhost:3000", "localhost"),
        ("api.example.com", "api.example.com"),
        ("[::1]:3000", "[::1]"),
        ("[::1]", "[::1]"),
        ("127.0.0.1:80", "127.0.0.1"),
    ],
)
def test_host_without_port(host: str, name: str) -> None:
    assert host_without_port(host) == name


def test_request_ids_have_the_shapes_aws_uses() -> None:
    gateway_ids = {new_request_id() for _ in range(100)}
    assert len(gateway_ids) == 100
    assert all(re.fullmatch(r"[A-Za-z0-9+/]{15}=", i) for i in gateway_ids)
    lambda_id = new_lambda_request_id()
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", lambda_id
    )
