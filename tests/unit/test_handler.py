"""Routing, validation and error mapping through the handler, with a fake database."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from pokedex.db import DatabaseClient
from pokedex.handler import HandlerState, handle
from pokedex.settings import Settings
from tests.unit.fakes import FakeClock, FakeSecret, FakeServer

EVENTS = Path(__file__).parents[1] / "events"


def event(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    return loaded


def app_with(server: FakeServer, clock: FakeClock | None = None) -> HandlerState:
    clock = clock or FakeClock()
    settings = Settings(db_endpoint="h", secret_id="s")
    return HandlerState(
        DatabaseClient(settings, FakeSecret(), server, clock=clock, sleep=clock.sleep)
    )


def invoke(
    evt: dict[str, Any],
    server: FakeServer | None = None,
    remaining_ms: Any = None,
    clock: FakeClock | None = None,
) -> dict[str, Any]:
    app = app_with(server or FakeServer(), clock)
    return handle(lambda: app, evt, "req-1", remaining_ms)


def body(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])


def test_list_passes_the_database_json_through() -> None:
    server = FakeServer(row=('[{"dex_number": 1, "name": "Bulbasaur", "type": "Grass/Poison"}]',))
    response = invoke(event("list_pokemon"), server)
    assert response["statusCode"] == 200
    assert response["headers"]["content-type"].startswith("application/json")
    assert body(response) == [{"dex_number": 1, "name": "Bulbasaur", "type": "Grass/Poison"}]


def test_get_sends_the_number_as_a_parameter() -> None:
    server = FakeServer(row=('{"dex_number": 25, "name": "Pikachu"}',))
    response = invoke(event("get_pikachu"), server)
    assert body(response)["name"] == "Pikachu"
    assert server.connections[0].queries[0][1] == {"dex_number": 25}


def test_absent_pokemon_is_404_json() -> None:
    response = invoke(event("get_absent"), FakeServer(row=None))
    assert response["statusCode"] == 404
    assert "2000" in body(response)["message"]


@pytest.mark.parametrize("raw", ["pika", "0", "-1", "1.5", "+3", "1e3", "٣", "9" * 19, " 1"])
def test_anything_but_a_positive_integer_is_400_and_never_queried(raw: str) -> None:
    evt = event("get_pikachu")
    evt["rawPath"] = f"/poke_info/{raw}"
    evt["pathParameters"] = {"dex_number": raw}
    server = FakeServer()
    response = invoke(evt, server)
    assert response["statusCode"] == 400, raw
    assert "dex_number" in body(response)["message"]
    assert server.logins == []


def test_a_number_beyond_the_column_range_is_404_without_a_query() -> None:
    evt = event("get_pikachu")
    evt["rawPath"] = "/poke_info/99999999999"
    evt["pathParameters"] = {"dex_number": "99999999999"}
    server = FakeServer()
    assert invoke(evt, server)["statusCode"] == 404
    assert server.logins == []


def test_unknown_route_is_404_json() -> None:
    response = invoke(event("unknown_route"))
    assert response["statusCode"] == 404
    assert body(response)["message"].startswith("no route")


def test_wrong_method_is_405_with_allow() -> None:
    response = invoke(event("delete_list"))
    assert response["statusCode"] == 405
    assert response["headers"]["allow"] == "GET"
    assert "DELETE" in body(response)["message"]


def test_not_an_http_api_event_is_400() -> None:
    response = invoke({"hello": "world"})
    assert response["statusCode"] == 400
    assert "payload 2.0" in body(response)["message"]


def test_database_down_is_503_without_details() -> None:
    server = FakeServer()
    server.down = True
    response = invoke(event("list_pokemon"), server)
    assert response["statusCode"] == 503
    assert response["headers"]["retry-after"] == "1"
    assert response["headers"]["content-type"].startswith("application/json")
    assert "refused" not in response["body"]


def test_the_handler_stops_retrying_in_time_for_the_function_timeout() -> None:
    server, clock = FakeServer(), FakeClock()
    server.down = True
    # 11 s left: one reserve (10 s) plus room for a few short pauses, not for the budget.
    response = invoke(event("list_pokemon"), server, lambda: 11_000, clock)
    assert response["statusCode"] == 503
    assert 0 < sum(clock.pauses) < 1.0


def test_errors_that_do_not_pass_carry_no_retry_after() -> None:
    response = invoke(event("get_absent"), FakeServer(row=None))
    assert response["statusCode"] == 404
    assert "retry-after" not in response["headers"]


def test_a_bug_is_a_500_that_leaks_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(_db: DatabaseClient) -> str:
        raise RuntimeError("SELECT secret FROM internals")

    monkeypatch.setattr("pokedex.pokemon.list_pokemon", explode)
    response = invoke(event("list_pokemon"))
    assert response["statusCode"] == 500
    assert body(response) == {"message": "Internal error."}
    assert "SELECT" not in response["body"]


def test_one_json_log_line_per_request(capsys: pytest.CaptureFixture[str]) -> None:
    invoke(event("get_absent"), FakeServer(row=None))
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    request = [line for line in lines if line["message"] == "request"]
    assert len(request) == 1
    assert request[0]["status"] == 404
    assert request[0]["route"] == "GET /poke_info/{dex_number}"
    assert request[0]["request_id"] == "req-1"
    assert request[0]["duration_ms"] >= 0


def test_the_log_line_carries_the_apis_request_id_too(capsys: pytest.CaptureFixture[str]) -> None:
    # Given an event whose requestContext.requestId is the one the API's access log records
    evt = event("get_absent")
    evt["requestContext"]["requestId"] = "api-req-7"
    invoke(evt, FakeServer(row=None))
    # and one that is not an API's event at all
    invoke({"not": "an api event"})
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    requests = [line for line in lines if line["message"] == "request"]
    # Then the function's log line has both ids, Lambda's and the API's
    assert [(r["request_id"], r["api_request_id"]) for r in requests] == [
        ("req-1", "api-req-7"),
        ("req-1", None),
    ]


def test_a_missing_setting_is_a_500_naming_it_in_the_log(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("DB_ENDPOINT", raising=False)
    monkeypatch.setenv("SECRET", "s")
    logging.getLogger("pokedex").propagate = True  # let caplog see it
    try:
        response = handle(HandlerState.from_env, event("list_pokemon"), "r")
    finally:
        logging.getLogger("pokedex").propagate = False
    assert response["statusCode"] == 500
    assert body(response) == {"message": "The function is misconfigured."}
    assert "DB_ENDPOINT" in caplog.text


def test_the_handler_dispatches_on_the_route_key_not_the_path() -> None:
    # API Gateway has routed already: routeKey and pathParameters decide, rawPath is only
    # logged (it arrives decoded, and may not even parse as a route)
    evt = event("get_pikachu")
    evt["rawPath"] = "/somewhere/else entirely"
    server = FakeServer()
    response = invoke(evt, server)
    assert response["statusCode"] == 200
    [(_, params)] = server.connections[0].queries
    assert params == {"dex_number": 25}


def test_every_route_has_an_operation() -> None:
    from pokedex.handler import OPERATIONS
    from pokedex.routes import METHOD_NOT_ALLOWED, ROUTES

    for route in ROUTES:
        assert route.operation == METHOD_NOT_ALLOWED or route.operation in OPERATIONS, route


def test_an_any_route_is_405_with_the_allowed_methods() -> None:
    response = invoke(event("delete_list"), FakeServer())
    assert response["statusCode"] == 405
    assert response["headers"]["allow"] == "GET"


@pytest.mark.parametrize("route_key", ["$default", "GET /nowhere", None])
def test_a_route_key_not_in_the_table_is_404(route_key: str | None) -> None:
    evt = event("get_pikachu")
    evt["routeKey"] = route_key
    assert invoke(evt, FakeServer())["statusCode"] == 404


def test_an_event_that_is_not_http_api_2_is_400() -> None:
    assert invoke({"hello": "world"}, FakeServer())["statusCode"] == 400
