"""Route selection with HTTP API's precedence (gateway/routing.py) and the path it routes on
(gateway/paths.py), in-process."""

from __future__ import annotations

import pytest

from pokedex.routes import ROUTES, Route
from pokedex_local.gateway import paths
from pokedex_local.gateway.routing import Match, Router

# Overlapping on purpose: every request below has more than one route that would take it.
TABLE = (
    Route("GET", "/echo/static", "static"),
    Route("ANY", "/echo/{id}", "any_id"),
    Route("GET", "/echo/{id}", "get_id"),
    Route("ANY", "/echo/{proxy+}", "greedy"),
    Route("GET", "/files/{path+}", "files"),
    Route("GET", "/files/{name}/meta", "meta"),
    Route("POST", "/teams", "create", auth=True),
)


@pytest.mark.parametrize(
    ("method", "path", "route_key", "params"),
    [
        # A static segment beats a parameter, whatever the order of the table
        ("GET", "/echo/static", "GET /echo/static", {}),
        # An exact method beats ANY on the same path
        ("GET", "/echo/7", "GET /echo/{id}", {"id": "7"}),
        ("POST", "/echo/7", "ANY /echo/{id}", {"id": "7"}),
        # Static there, but for another method: the parameter route takes it
        ("POST", "/echo/static", "ANY /echo/{id}", {"id": "static"}),
        # A parameter beats a greedy parameter; greedy takes what is left
        ("GET", "/echo/a/b", "ANY /echo/{proxy+}", {"proxy": "a/b"}),
        ("GET", "/files/a/b/c.txt", "GET /files/{path+}", {"path": "a/b/c.txt"}),
        ("GET", "/files/a/meta", "GET /files/{name}/meta", {"name": "a"}),
    ],
)
def test_the_most_specific_route_wins(
    method: str, path: str, route_key: str, params: dict[str, str]
) -> None:
    # The table's order must not matter: forwards and backwards, every pair is met both ways
    for table in (TABLE, TABLE[::-1]):
        match = Router(table).match(method, path)
        assert match == Match(route_key, params), [r.route_key for r in table]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/echo"),  # a parameter needs a segment
        ("GET", "/echo/"),
        ("DELETE", "/files/a"),  # the path exists, the method has no route
        ("GET", "/nothing"),
        ("GET", "/teams"),
    ],
)
def test_no_route_is_none_without_a_default_route(method: str, path: str) -> None:
    assert Router(TABLE).match(method, path) is None


def test_the_default_route_catches_only_what_no_route_takes() -> None:
    router = Router(TABLE, default_route=True)
    assert router.match("GET", "/nothing") == Match("$default", {})
    assert router.match("GET", "/echo/static") == Match("GET /echo/static", {})


def test_a_route_behind_the_authorizer_says_so() -> None:
    match = Router(TABLE).match("POST", "/teams")
    assert match is not None
    assert match.auth is True
    get = Router(TABLE).match("GET", "/echo/1")
    assert get is not None
    assert get.auth is False


@pytest.mark.parametrize("path", ["/__local", "/__local/environments", "/__local/{x}"])
def test_a_route_may_not_use_the_reserved_prefix(path: str) -> None:
    with pytest.raises(ValueError, match="reserved prefix"):
        Router([Route("GET", path, "admin")])


def test_a_path_that_only_starts_like_the_prefix_is_allowed() -> None:
    assert Router([Route("GET", "/__localx", "x")]).match("GET", "/__localx") is not None


def test_the_projects_table_get_beats_any_on_the_same_path() -> None:
    router = Router(ROUTES)
    assert router.match("GET", "/poke_info/25") == Match("GET /poke_info/{dex_number}",
                                                         {"dex_number": "25"})  # fmt: skip
    assert router.match("PATCH", "/poke_info/25") == Match("ANY /poke_info/{dex_number}",
                                                           {"dex_number": "25"})  # fmt: skip


# Sent path → the path HTTP API routes on, from events captured on real HTTP APIs
# (gateway/paths.py cites them).
CAPTURED_PATHS = [
    ("/files/plain", "/files/plain"),
    ("/files/space%20value", "/files/space value"),
    ("/files/question%3Fvalue", "/files/question"),
    ("/files/hash%23value", "/files/hash#value"),
    ("/files/slash%2Fvalue", "/files/slash/value"),
    ("/files/unicode-%CE%BB-%E4%B8%96%E7%95%8C", "/files/unicode-λ-世界"),
    ("/files/literal%252Fvalue", "/files/literal/value"),
    ("/files/literal%253Fvalue", "/files/literal?value"),
    ("/files/literal%2525value", "/files/literal%value"),
]


@pytest.mark.parametrize(("sent", "decoded"), CAPTURED_PATHS)
def test_paths_are_decoded_as_http_api_decodes_them(sent: str, decoded: str) -> None:
    assert paths.decode(sent) == decoded


@pytest.mark.parametrize(
    "sent",
    [
        "/files/percent%25done",  # %25 → "%do": not an escape on the second pass
        "/echo/%25",
        "/echo/%zz",  # not an escape on the first pass
        "/echo/%4",
        "/echo/%FF",  # not UTF-8 once decoded
    ],
)
def test_a_percent_that_is_no_escape_or_bytes_that_are_no_utf8_are_refused(sent: str) -> None:
    with pytest.raises(paths.BadPath):
        paths.decode(sent)


def test_routes_match_the_decoded_path() -> None:
    router = Router(TABLE)
    # An encoded "/" is a separator once decoded: /echo/{id} no longer takes it
    assert router.match("GET", paths.decode("/echo/a%2Fb")) == Match(
        "ANY /echo/{proxy+}", {"proxy": "a/b"}
    )
    assert router.match("GET", paths.decode("/echo/%61%20b")) == Match(
        "GET /echo/{id}", {"id": "a b"}
    )
