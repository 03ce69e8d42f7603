"""From the function's payload to the HTTP response (gateway/responses.py), in-process."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from pokedex_local.gateway.responses import MAX_RESPONSE_BYTES, from_payload, gateway_error

INTERNAL = (500, b'{"message":"Internal Server Error"}')


def payload(value: Any) -> bytes:
    return json.dumps(value).encode()


def test_a_structured_response_keeps_status_headers_and_body() -> None:
    answer = from_payload(
        payload({"statusCode": 201, "headers": {"X-Count": 3, "X-Flag": True}, "body": "made"})
    )
    assert answer.status == 201
    # Names lower-cased; numbers and booleans written as HTTP API writes them
    assert answer.headers == [("x-count", "3"), ("x-flag", "true")]
    assert answer.body == b"made"


def test_cookies_become_set_cookie_headers_in_order() -> None:
    answer = from_payload(payload({"statusCode": 200, "cookies": ["a=1; Path=/", "b=2"]}))
    assert [value for name, value in answer.headers if name == "set-cookie"] == [
        "a=1; Path=/",
        "b=2",
    ]


def test_a_base64_body_is_decoded() -> None:
    data = bytes(range(256))
    answer = from_payload(
        payload(
            {"statusCode": 200, "body": base64.b64encode(data).decode(), "isBase64Encoded": True}
        )
    )
    assert answer.body == data


def test_a_base64_looking_body_without_the_flag_is_sent_as_it_is() -> None:
    answer = from_payload(payload({"statusCode": 200, "body": "AAEC"}))
    assert answer.body == b"AAEC"


def test_no_body_is_an_empty_one() -> None:
    assert from_payload(payload({"statusCode": 204})).body == b""


def test_the_functions_own_framing_headers_are_dropped() -> None:
    answer = from_payload(
        payload(
            {
                "statusCode": 200,
                "headers": {"Content-Length": "999", "Transfer-Encoding": "chunked", "X-A": "1"},
                "body": "short",
            }
        )
    )
    assert answer.headers == [("x-a", "1")]


@pytest.mark.parametrize(
    "value",
    [
        {"message": "hello"},  # an object without statusCode
        [1, 2, 3],
        42,
        None,
        True,
    ],
)
def test_any_other_json_is_the_body_of_a_200(value: Any) -> None:
    answer = from_payload(payload(value))
    assert answer.status == 200
    assert answer.headers == [("content-type", "application/json")]
    assert json.loads(answer.body) == value


def test_a_string_is_the_body_as_it_is_not_json_encoded_again() -> None:
    answer = from_payload(payload("plain string"))
    assert (answer.status, answer.body) == (200, b"plain string")
    assert answer.headers == [("content-type", "application/json")]


@pytest.mark.parametrize(
    "value",
    [
        {"statusCode": "200"},
        {"statusCode": 99},
        {"statusCode": 600},
        {"statusCode": True},
        {"statusCode": 200.0},
        {"statusCode": 200, "headers": ["x-a: 1"]},
        {"statusCode": 200, "headers": {"x-a": {"nested": 1}}},
        {"statusCode": 200, "headers": {"x-a": None}},
        {"statusCode": 200, "cookies": "a=1"},
        {"statusCode": 200, "cookies": ["a=1", 2]},
        {"statusCode": 200, "body": {"a": 1}},
        {"statusCode": 200, "body": 5},
        {"statusCode": 200, "body": "not base64!", "isBase64Encoded": True},
    ],
)
def test_a_malformed_structured_response_is_a_500_with_a_json_message(
    value: dict[str, Any],
) -> None:
    answer = from_payload(payload(value))
    assert (answer.status, answer.body) == INTERNAL
    assert answer.headers == [("content-type", "application/json")]


def test_a_payload_that_is_not_json_is_a_500() -> None:
    assert (from_payload(b"{not json").status, from_payload(b"{not json").body) == INTERNAL


def test_a_response_over_lambdas_6_mb_limit_is_a_500() -> None:
    at_limit = payload("x" * (MAX_RESPONSE_BYTES - 2))  # the quotes make it exactly 6 MB
    assert len(at_limit) == MAX_RESPONSE_BYTES
    assert from_payload(at_limit).status == 200
    over = payload("x" * (MAX_RESPONSE_BYTES - 1))
    assert (from_payload(over).status, from_payload(over).body) == INTERNAL


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (400, "Bad Request"),
        (401, "Unauthorized"),
        (403, "Forbidden"),
        (404, "Not Found"),
        (413, "Request Entity Too Large"),
        (431, "Request Header Fields Too Large"),
        (500, "Internal Server Error"),
        (503, "Service Unavailable"),
    ],
)
def test_gateway_errors_are_compact_json_as_aws_sends_them(status: int, message: str) -> None:
    answer = gateway_error(status, [("www-authenticate", "Bearer")])
    assert answer.status == status
    assert answer.body == b'{"message":"' + message.encode() + b'"}'
    assert answer.headers == [("content-type", "application/json"), ("www-authenticate", "Bearer")]


def test_the_documented_401_is_26_bytes_long() -> None:
    # The length AWS's troubleshooting page shows for its 401
    assert len(gateway_error(401).body) == 26
