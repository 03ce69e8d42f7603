"""The OpenAPI document follows the route table and is committed as generated."""

from __future__ import annotations

from pathlib import Path

import pytest

from pokedex.routes import ROUTES, Route
from pokedex_local import openapi
from pokedex_local.dex import DEX_NUMBERS

COMMITTED = Path(__file__).parents[2] / "docs" / "openapi.json"


def test_the_committed_document_is_current() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == openapi.render(), "run make openapi"


def test_every_get_route_is_an_operation() -> None:
    paths = openapi.document()["paths"]
    for route in ROUTES:
        if route.method == "GET":
            assert paths[route.path]["get"]["operationId"] == route.operation


def test_a_route_nobody_described_fails_the_build() -> None:
    with pytest.raises(KeyError, match="GET /rivals: operation 'list_rivals'"):
        openapi.document([*ROUTES, Route("GET", "/rivals", "list_rivals")])


def test_the_team_routes_need_a_bearer_token_and_the_others_do_not() -> None:
    paths = openapi.document()["paths"]
    for route in ROUTES:
        if route.operation == "method_not_allowed":
            continue
        operation = paths[route.path][route.method.lower()]
        assert (operation.get("security") == [{"jwt": []}]) is route.auth, route
        assert ("401" in operation["responses"]) is route.auth, route


def test_a_team_member_is_bounded_by_the_pokedex() -> None:
    schema = openapi.document()["paths"]["/teams"]["post"]["requestBody"]
    members = schema["content"]["application/json"]["schema"]["properties"]["members"]
    assert members["items"]["maximum"] == DEX_NUMBERS
