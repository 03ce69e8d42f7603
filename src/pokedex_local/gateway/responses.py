"""From the function's answer (or its failure) to the HTTP response HTTP API would send."""

from __future__ import annotations

import base64
import binascii
import json
import logging
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

# Lambda's synchronous invoke limit on the response (6 MB): a larger answer is a
# function error on Lambda, so a 500 at the gateway.
MAX_RESPONSE_BYTES = 6 * 1024 * 1024


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


def gateway_error(status: int, headers: list[tuple[str, str]] | None = None) -> HttpResponse:
    message = {
        400: "Bad Request",
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not Found",
        413: "Request Entity Too Large",
        431: "Request Header Fields Too Large",
        500: "Internal Server Error",
        503: "Service Unavailable",
    }[status]
    # Compact, as AWS sends it: the troubleshooting page's 401 has Content-Length 26,
    # the length of {"message":"Unauthorized"} without spaces.
    return HttpResponse(
        status,
        [("content-type", "application/json"), *(headers or [])],
        json.dumps({"message": message}, separators=(",", ":")).encode(),
    )


_FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding"})


class MalformedResponse(Exception):
    pass


def from_payload(payload: bytes) -> HttpResponse:
    """Map the function's JSON return value; a malformed one becomes HTTP API's 500."""
    if len(payload) > MAX_RESPONSE_BYTES:
        logger.error("response of %d bytes exceeds Lambda's 6 MB limit", len(payload))
        return gateway_error(500)
    try:
        value = json.loads(payload)
        if isinstance(value, dict) and "statusCode" in value:
            return _structured(value)
    except (ValueError, MalformedResponse) as exc:
        logger.error("malformed Lambda proxy response: %s", exc)
        return gateway_error(500)
    # Inferred: any other JSON is the body of a 200; a string is the body as it is.
    body = value if isinstance(value, str) else json.dumps(value)
    return HttpResponse(200, [("content-type", "application/json")], body.encode())


def _structured(value: dict[str, Any]) -> HttpResponse:
    status = value["statusCode"]
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise MalformedResponse(f"statusCode {status!r} is not an HTTP status")
    headers = value.get("headers") or {}
    if not isinstance(headers, dict):
        raise MalformedResponse("headers is not an object")
    # The gateway frames the body itself, as API Gateway does: a function's own
    # content-length (wrong, it would leave the client waiting) is not passed on.
    pairs = [
        (name, _scalar(k, v))
        for k, v in headers.items()
        if (name := str(k).lower()) not in _FRAMING_HEADERS
    ]
    cookies = value.get("cookies") or []
    if not isinstance(cookies, list) or not all(isinstance(c, str) for c in cookies):
        raise MalformedResponse("cookies is not a list of strings")
    pairs.extend(("set-cookie", cookie) for cookie in cookies)
    body = value.get("body")
    if body is None:
        raw = b""
    elif not isinstance(body, str):
        raise MalformedResponse("body is not a string")
    elif value.get("isBase64Encoded") is True:
        try:
            raw = base64.b64decode(body, validate=True)
        except binascii.Error as exc:
            raise MalformedResponse("body is not valid base64") from exc
    else:
        raw = body.encode()
    return HttpResponse(status, pairs, raw)


def _scalar(name: object, value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise MalformedResponse(f"header {name!r} has a non-scalar value")
