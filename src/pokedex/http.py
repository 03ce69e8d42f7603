"""Routing of HTTP API events and the responses the function returns."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from pokedex.errors import BadRequest, MethodNotAllowed, NotFound, PokedexError, Unauthorized
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


@dataclass(frozen=True)
class Request:
    """What an operation needs from the event, already checked for shape."""

    method: str
    path: dict[str, str]
    query: dict[str, str]
    headers: dict[str, str]  # names in lower case, as HTTP API sends them
    body: str | None
    # The JWT authorizer's claims (routes with ``auth``); None on the public routes.
    claims: dict[str, Any] | None = None

    @property
    def caller(self) -> str:
        """The authenticated user: the token's ``sub`` claim."""
        subject = (self.claims or {}).get("sub")
        if not isinstance(subject, str) or not subject:
            # Only a route deployed without the authorizer gets here: refuse, like it would.
            raise Unauthorized("the event has no requestContext.authorizer.jwt.claims.sub")
        return subject


def request_of(event: dict[str, Any], params: dict[str, str]) -> Request:
    headers = event.get("headers") or {}
    query = event.get("queryStringParameters") or {}
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    claims = (authorizer.get("jwt") or {}).get("claims") if isinstance(authorizer, dict) else None
    return Request(
        method=_method(event),
        path=params,
        query=query if isinstance(query, dict) else {},
        headers={str(k).lower(): str(v) for k, v in headers.items()}
        if isinstance(headers, dict)
        else {},
        body=_body(event),
        claims=claims if isinstance(claims, dict) else None,
    )


def _body(event: dict[str, Any]) -> str | None:
    body = event.get("body")
    if body is None:
        return None
    if not isinstance(body, str):
        raise BadRequest("the event's body must be a string")
    if not event.get("isBase64Encoded"):
        return body
    try:
        return base64.b64decode(body, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise BadRequest("the request body must be UTF-8 text") from None


def _method(event: dict[str, Any]) -> str:
    try:
        return str(event["requestContext"]["http"]["method"]).upper()
    except (KeyError, TypeError):
        return "this method"


# The data changes only with a deploy (a migration): caches may keep an answer a few
# minutes, and revalidate it with its ETag for nothing but a 304.
CACHE_CONTROL = "public, max-age=300"
# A user's own data (teams): no shared cache keeps it, and a client revalidates each time.
PRIVATE = "private, no-cache"


@dataclass(frozen=True)
class Reply:
    body: str | None  # None: no content (204)
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200
    # The representation's version when it has one (a team's); else a hash of the body.
    etag: str | None = None
    cache_control: str = CACHE_CONTROL


def ok(
    reply: Reply, request_headers: dict[str, str] | None = None, method: str = "GET"
) -> dict[str, Any]:
    """The reply with an ETag; 304 without a body when a GET's cached copy is current."""
    if reply.body is None:
        return {"statusCode": reply.status, "headers": dict(reply.headers)}
    etag = reply.etag or body_etag(reply.body)
    headers = {
        **JSON_HEADERS,
        **reply.headers,
        "etag": etag,
        "cache-control": reply.cache_control,
    }
    if (
        method == "GET"
        and reply.status == 200
        and _matches(etag, (request_headers or {}).get("if-none-match"))
    ):
        del headers["content-type"]
        return {"statusCode": 304, "headers": headers}
    return {"statusCode": reply.status, "headers": headers, "body": reply.body}


def body_etag(body: str) -> str:
    return '"' + hashlib.blake2b(body.encode(), digest_size=12).hexdigest() + '"'


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
