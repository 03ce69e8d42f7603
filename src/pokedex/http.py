"""Routing of HTTP API events and the responses the function returns."""

from __future__ import annotations

import json
from typing import Any

from pokedex.errors import BadRequest, MethodNotAllowed, NotFound, PokedexError
from pokedex.routes import ROUTES, Route

JSON_HEADERS = {"content-type": "application/json; charset=utf-8"}


def request_line(event: dict[str, Any]) -> tuple[str, str]:
    """The method and path of a payload 2.0 event."""
    try:
        method = event["requestContext"]["http"]["method"]
        path = event["rawPath"]
    except (KeyError, TypeError):
        raise BadRequest("the event is not an API Gateway HTTP API (payload 2.0) event") from None
    if not isinstance(method, str) or not isinstance(path, str):
        raise BadRequest("the event's method and rawPath must be strings")
    return method.upper(), path


def resolve(method: str, path: str) -> tuple[Route, dict[str, str]]:
    """The route for a request, with its path parameters; 404 or 405 when there is none."""
    candidates = [(route, params) for route in ROUTES if (params := route.match(path)) is not None]
    if not candidates:
        raise NotFound(f"no route for {path[:100]}")
    for route, params in candidates:
        if route.method == method:
            return route, params
    allowed = sorted({route.method for route, _ in candidates if route.method != "ANY"})
    raise MethodNotAllowed(allowed, f"{method} is not allowed on {path[:100]}")


def ok(body: str) -> dict[str, Any]:
    return {"statusCode": 200, "headers": dict(JSON_HEADERS), "body": body}


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
