"""The function against real PostgreSQL through real PgBouncer over TLS."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import psycopg
import pytest

from pokedex.handler import HandlerState, handle
from pokedex_local.dex import DEX_NUMBERS
from pokedex_local.tier import LocalTier, secrets_server

pytestmark = pytest.mark.integration
EVENTS = Path(__file__).parents[1] / "events"


def event(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    return loaded


@pytest.fixture(params=["proxy", "direct"])
def function_env(
    request: pytest.FixtureRequest, tier: LocalTier, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    env = tier.function_env(via=request.param)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def app(function_env: dict[str, str]) -> Iterator[HandlerState]:
    """A fresh execution environment's state."""
    app = HandlerState.from_env()
    yield app
    app.db.close()


def call(app: HandlerState, name: str) -> tuple[int, Any]:
    response = handle(lambda: app, event(name), "it")
    return response["statusCode"], json.loads(response["body"])


def test_list_keeps_the_original_contract_for_every_pokemon(app: HandlerState) -> None:
    status, items = call(app, "list_pokemon")
    assert status == 200
    assert len(items) == DEX_NUMBERS
    assert [p["dex_number"] for p in items] == list(range(1, DEX_NUMBERS + 1))
    assert items[0] == {"dex_number": 1, "name": "Bulbasaur", "type": "Grass/Poison"}
    assert items[3] == {"dex_number": 4, "name": "Charmander", "type": "Fire"}
    names = {p["name"] for p in items}
    assert {"Flab\u00e9b\u00e9", "Farfetch\u2019d", "Sirfetch\u2019d"} <= names  # NFC


def test_get_one_with_all_fields(app: HandlerState) -> None:
    status, pikachu = call(app, "get_pikachu")
    assert status == 200
    assert pikachu == {
        "dex_number": 25,
        "name": "Pikachu",
        "type": "Electric",
        "types": ["Electric"],
        "base_stats": {
            "hp": 35,
            "attack": 55,
            "defense": 40,
            "sp_attack": 50,
            "sp_defense": 50,
            "speed": 90,
            "total": 320,
        },
        "height_m": 0.4,
        "weight_kg": 6.0,
        "generation": 1,
    }


@pytest.mark.parametrize(
    ("name", "status"),
    [("get_absent", 404), ("get_not_a_number", 400), ("delete_list", 405), ("unknown_route", 404)],
)
def test_errors_are_json(app: HandlerState, name: str, status: int) -> None:
    got, body = call(app, name)
    assert got == status
    assert set(body) == {"message"}


def test_the_module_handler_serves_the_list(function_env: dict[str, str]) -> None:
    sys.modules.pop("pokedex.handler", None)
    module = importlib.import_module("pokedex.handler")
    try:
        response = module.handler(event("list_pokemon"), SimpleNamespace(aws_request_id="r1"))
        assert response["statusCode"] == 200
        assert len(json.loads(response["body"])) == DEX_NUMBERS
    finally:
        if module._app is not None:
            module._app.db.close()
        sys.modules.pop("pokedex.handler", None)


def test_one_environment_survives_its_connection_breaking(
    tier: LocalTier,
    owner_conn: psycopg.Connection[Any],
    app: HandlerState,
    function_env: dict[str, str],
) -> None:
    assert call(app, "get_pikachu")[0] == 200
    if function_env["DB_PORT"] == str(tier.pgbouncer.port):
        tier.restart_pgbouncer()  # the proxy goes away between two invocations
    else:
        owner_conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
            (tier.app_user,),
        )
    assert call(app, "get_pikachu")[0] == 200
    assert app.db.connects == 2  # the broken connection was replaced, once


def _secrets_client(tier: LocalTier) -> Any:
    return secrets_server.client_for(tier.secrets_endpoint, tier.aws_credentials)


def _rotate(tier: LocalTier, owner_conn: psycopg.Connection[Any], password: str) -> None:
    """Change the application password in the database and in its secret, like a rotation."""
    client = _secrets_client(tier)
    secret = json.loads(client.get_secret_value(SecretId=tier.app_secret_name)["SecretString"])
    client.put_secret_value(
        SecretId=tier.app_secret_name, SecretString=json.dumps({**secret, "password": password})
    )
    owner_conn.execute(
        psycopg.sql.SQL("ALTER ROLE {} PASSWORD {}").format(
            psycopg.sql.Identifier(tier.app_user), psycopg.sql.Literal(password)
        )
    )


def test_a_rotated_password_is_picked_up(
    tier: LocalTier, owner_conn: psycopg.Connection[Any], app: HandlerState
) -> None:
    assert call(app, "get_pikachu")[0] == 200  # secret cached, connection open
    _rotate(tier, owner_conn, "rotated-password-1")
    try:
        app.db.close()  # the connection is recycled: the next login uses the cached secret
        assert call(app, "get_pikachu")[0] == 200
        # one login refused with the cached password, one with the re-read secret
        assert app.db.connects == 3
        assert app.secret is not None
        assert app.secret.fetches == 2
    finally:
        _rotate(tier, owner_conn, tier.app_password)


def test_the_application_role_cannot_write(tier: LocalTier) -> None:
    conninfo = tier.pgbouncer.conninfo(sslmode="require")
    params = psycopg.conninfo.conninfo_to_dict(conninfo)
    params.update(user=tier.app_user, password=tier.app_password)
    with psycopg.connect(**params, autocommit=True, prepare_threshold=None) as conn:
        assert conn.execute("SELECT count(*) FROM poke_data").fetchone() == (DEX_NUMBERS,)
        for statement in (
            "INSERT INTO pokemon VALUES (2000,'X','Fire',NULL,1,1,1,1,1,1,1,1,1)",
            "UPDATE pokemon SET name = 'X' WHERE dex_number = 1",
            "DELETE FROM pokemon",
            "CREATE TABLE intruder (id int)",
            "DROP VIEW poke_data",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement.encode())


def get(
    app: HandlerState,
    path: str,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An event as HTTP API builds it for GET ``path`` (a route of the table)."""
    evt = event("list_pokemon")
    evt["routeKey"] = f"GET {path}"
    evt["rawPath"] = evt["requestContext"]["http"]["path"] = path
    if query:
        evt["queryStringParameters"] = query
    if headers:
        evt["headers"] = {**evt["headers"], **headers}
    return handle(lambda: app, evt, "it")


def test_following_every_next_link_yields_each_fire_pokemon_once_in_order(
    app: HandlerState, tier: LocalTier
) -> None:
    with psycopg.connect(tier.postgres.conninfo()) as conn:
        rows = conn.execute(
            "SELECT dex_number FROM pokemon WHERE 'Fire' IN (type1, type2) ORDER BY 1"
        ).fetchall()
    expected = [row[0] for row in rows]
    seen: list[int] = []
    query: dict[str, str] | None = {"type": "fire", "limit": "7"}
    pages = 0
    while query is not None:
        response = get(app, "/poke_info", query)
        assert response["statusCode"] == 200
        items = json.loads(response["body"])
        assert 1 <= len(items) <= 7
        assert all("Fire" in p["type"].split("/") for p in items)
        seen += [p["dex_number"] for p in items]
        pages += 1
        link = response["headers"].get("link")
        query = None
        if link:
            target = link.split(";")[0].strip("<>")
            assert target.startswith("/poke_info?")
            query = dict(pair.split("=", 1) for pair in target.split("?", 1)[1].split("&"))
    assert seen == expected
    assert pages == -(-len(expected) // 7)


def test_a_name_prefix_ignores_case_and_accents(app: HandlerState) -> None:
    response = get(app, "/poke_info", {"q": "FLABE"})
    assert json.loads(response["body"]) == [
        {"dex_number": 669, "name": "Flab\u00e9b\u00e9", "type": "Fairy"}
    ]
    both = json.loads(get(app, "/poke_info", {"q": "char", "generation": "1"})["body"])
    assert [p["name"] for p in both] == ["Charmander", "Charmeleon", "Charizard"]


def test_filters_without_a_limit_return_every_match_without_a_link(app: HandlerState) -> None:
    response = get(app, "/poke_info", {"generation": "9"})
    items = json.loads(response["body"])
    assert "link" not in response["headers"]
    assert [p["dex_number"] for p in items] == list(range(906, DEX_NUMBERS + 1))


def test_types_counts_every_type(app: HandlerState) -> None:
    response = get(app, "/types")
    types = json.loads(response["body"])
    assert len(types) == 18
    assert {"type": "Fire", "count": 81} in types
    total = len(json.loads(get(app, "/poke_info")["body"]))
    duals = sum(1 for p in json.loads(get(app, "/poke_info")["body"]) if "/" in p["type"])
    assert sum(t["count"] for t in types) == total + duals


def test_an_etag_the_client_has_is_304_without_a_body(app: HandlerState) -> None:
    first = get(app, "/types")
    etag = first["headers"]["etag"]
    assert first["headers"]["cache-control"] == "public, max-age=300"
    again = get(app, "/types", headers={"if-none-match": f'W/{etag}, "other"'})
    assert (again["statusCode"], again.get("body")) == (304, None)
    assert again["headers"]["etag"] == etag
    assert get(app, "/types", headers={"if-none-match": '"stale"'})["statusCode"] == 200


def test_bad_list_parameters_are_400_and_reach_no_database(app: HandlerState) -> None:
    response = get(app, "/poke_info", {"type": "wood"})
    assert response["statusCode"] == 400
    assert "type" in json.loads(response["body"])["message"]
    assert app.db.connects == 0
