"""Routing of HTTP API events and the responses the function returns."""

from __future__ import annotations

import json
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
