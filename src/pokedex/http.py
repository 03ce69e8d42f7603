"""Routing of HTTP API events and the responses the function returns."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from pokedex.errors import BadRequest, MethodNotAllowed, NotFound, PokedexError
from pokedex.routes import METHOD_NOT_ALLOWED, ROUTES, Route

JSON_HEADERS = {"content-type": "application/json; charset=utf-8"}
_BY_KEY = {route.route_key: route for route in ROUTES}


def route_of(event: dict[str, Any]) -> tuple[Route, dict[str, str]]:
    """The route API Gateway matched for this event, and its path parameters.

    HTTP API has already routed the request: its ``routeKey`` names one entry of the route
    table and ``pathParameters`` holds the values, so the function does not match paths a
    second time. An ANY route (the catch-all for other methods) is a 405 naming the
    methods the path allows; ``$default`` (no route matched) is a 404.
    """
    if not isinstance(event, dict) or event.get("version") != "2.0":
        raise BadRequest("the event is not an API Gateway HTTP API (payload 2.0) event")
    route_key = event.get("routeKey")
    path = str(event.get("rawPath", ""))[:100]
    route = _BY_KEY.get(route_key) if isinstance(route_key, str) else None
    if route is None:
        raise NotFound(f"no route for {path}")
    params = event.get("pathParameters") or {}
    if not isinstance(params, dict) or not all(isinstance(v, str) for v in params.values()):
        raise BadRequest("the event's pathParameters must map names to strings")
    if route.operation == METHOD_NOT_ALLOWED:
        allowed = sorted({r.method for r in ROUTES if r.path == route.path and r.method != "ANY"})
        method = _method(event)
        raise MethodNotAllowed(allowed, f"{method} is not allowed on {path}")
    return route, params


def _method(event: dict[str, Any]) -> str:
    try:
        return str(event["requestContext"]["http"]["method"]).upper()
    except (KeyError, TypeError):
        return "this method"


# The data changes only with a deploy (a migration): caches may keep an answer a few
# minutes, and revalidate it with its ETag for nothing but a 304.
CACHE_CONTROL = "public, max-age=300"


@dataclass(frozen=True)
class Reply:
    body: str
    headers: dict[str, str] = field(default_factory=dict)


def ok(reply: Reply, request_headers: dict[str, str] | None = None) -> dict[str, Any]:
    """200 with an ETag, or 304 without a body when the client's copy is current."""
    etag = '"' + hashlib.blake2b(reply.body.encode(), digest_size=12).hexdigest() + '"'
    headers = {**JSON_HEADERS, **reply.headers, "etag": etag, "cache-control": CACHE_CONTROL}
    if _matches(etag, (request_headers or {}).get("if-none-match")):
        del headers["content-type"]
        return {"statusCode": 304, "headers": headers}
    return {"statusCode": 200, "headers": headers, "body": reply.body}


def _matches(etag: str, if_none_match: str | None) -> bool:
    """RFC 9110's weak comparison: any listed tag, W/ or not, or "*"."""
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags


def error(exc: PokedexError) -> dict[str, Any]:
    headers = dict(JSON_HEADERS)
    if isinstance(exc, MethodNotAllowed):
        headers["allow"] = ", ".join(exc.allowed)
    if exc.retry_after is not None:
        headers["retry-after"] = str(exc.retry_after)
    return {
        "statusCode": exc.status,
        "headers": headers,
        "body": json.dumps({"message": exc.public_message}, ensure_ascii=False),
    }
