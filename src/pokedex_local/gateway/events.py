"""The payload format 2.0 event for one HTTP request, as HTTP API builds it."""

from __future__ import annotations

import base64
import os
import random
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

# HTTP API passes these bodies as text and base64-encodes everything else (including,
# as AWS does, form posts and requests without a content type).
_TEXT_TYPES = ("application/json", "application/xml", "application/javascript")
_TEXT_SUFFIXES = ("+json", "+xml")

ACCOUNT_ID = "000000000000"
API_ID = "pokedexlcl"


@dataclass(frozen=True)
class HttpRequest:
    """What the gateway saw, independent of the web framework. ``raw_path`` is the path
    as HTTP API puts it in ``rawPath``: already decoded (gateway/paths.py)."""

    method: str
    raw_path: str
    raw_query: str
    headers: Iterable[tuple[str, str]]
    body: bytes
    source_ip: str
    protocol: str = "HTTP/1.1"
    port: int = 443  # the port the client connected to


# Ids need to be unique, not secret: drawn from one generator seeded once from the OS,
# they cost no getrandom() call each (three per request were ~3% of the gateway's CPU).
_random = random.Random(os.urandom(32))


def new_request_id() -> str:
    """An id shaped like HTTP API's (e.g. "JKJaXmPLvHcESHA=")."""
    return base64.b64encode(_random.randbytes(11)).decode()


def new_lambda_request_id() -> str:
    """Lambda's request id: a version 4 UUID."""
    return str(uuid.UUID(int=_random.getrandbits(128), version=4))


def _trace_id(now: float) -> str:
    return f"Root=1-{int(now):08x}-{_random.getrandbits(96):024x}"


_clock: tuple[int, str] = (-1, "")


def _request_time(now: float) -> str:
    """requestContext.time, formatted once per second rather than once per request."""
    global _clock
    second = int(now)
    if _clock[0] != second:
        _clock = (second, time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(second)))
    return _clock[1]


def build_event(
    request: HttpRequest,
    route_key: str,
    path_parameters: dict[str, str],
    request_id: str,
    now: float | None = None,
    authorizer: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``authorizer``: what the JWT authorizer found, for a route behind it; a route
    without one has no ``authorizer`` key at all, as in events captured from AWS."""
    now = time.time() if now is None else now
    headers, cookies = _headers(request, now)
    # domainName is the host alone, as on AWS where it never carries a port.
    host = host_without_port(headers.get("host", "localhost"))
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": request.raw_path,
        "rawQueryString": request.raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    query = _query(request.raw_query)
    if query:
        event["queryStringParameters"] = query
    context: dict[str, Any] = {"accountId": ACCOUNT_ID, "apiId": API_ID}
    if authorizer is not None:
        context["authorizer"] = authorizer
    event["requestContext"] = {
        **context,
        "domainName": host,
        "domainPrefix": host.split(".")[0],
        "http": {
            "method": request.method,
            "path": request.raw_path,
            "protocol": request.protocol,
            "sourceIp": request.source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": route_key,
        "stage": "$default",
        "time": _request_time(now),
        "timeEpoch": int(now * 1000),
    }
    if path_parameters:
        event["pathParameters"] = path_parameters
    if request.body:
        if _is_text(headers.get("content-type", "")):
            try:
                event["body"] = request.body.decode()
                event["isBase64Encoded"] = False
                return event
            except UnicodeDecodeError:
                pass  # declared text but is not: pass it intact
        event["body"] = base64.b64encode(request.body).decode()
        event["isBase64Encoded"] = True
    else:
        event["isBase64Encoded"] = False
    return event


def _headers(request: HttpRequest, now: float) -> tuple[dict[str, str], list[str]]:
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        key = name.lower()
        if key == "cookie":
            # Cookies move to their own list; HTTP API drops the header.
            cookies.extend(part for part in value.split("; ") if part)
            continue
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    # What HTTP API adds on the way in: the caller's address appended to any the client
    # sent (a client can claim anything; the last entry is the one the gateway saw), and
    # the protocol and port it connected with, always.
    forwarded = headers.get("x-forwarded-for")
    headers["x-forwarded-for"] = (
        f"{forwarded}, {request.source_ip}" if forwarded else request.source_ip
    )
    headers["x-forwarded-proto"] = "http"
    headers["x-forwarded-port"] = str(request.port)
    if "x-amzn-trace-id" not in headers:
        headers["x-amzn-trace-id"] = _trace_id(now)
    return headers, cookies


def host_without_port(host: str) -> str:
    """A Host header's name, without its port ("[::1]:3000" → "[::1]")."""
    if host.startswith("["):  # [::1]:3000
        return host.partition("]")[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host


def _query(raw_query: str) -> dict[str, str]:
    query: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value
    return query


def _is_text(content_type: str) -> bool:
    media_type = content_type.split(";")[0].strip().lower()
    return (
        media_type.startswith("text/")
        or media_type in _TEXT_TYPES
        or media_type.endswith(_TEXT_SUFFIXES)
    )
