"""The team routes: the handler against real PostgreSQL through real PgBouncer.

The events carry the claims API Gateway's JWT authorizer would put in them (the gateway's
own checks are tested in the e2e suite); here the function's side: ownership, versions,
validation and idempotency, with the data checked in the database itself.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from pokedex.handler import HandlerState, handle
from pokedex_local.tier import LocalTier

pytestmark = pytest.mark.integration


@pytest.fixture
def app(tier: LocalTier, monkeypatch: pytest.MonkeyPatch) -> Iterator[HandlerState]:
    for name, value in tier.function_env(via="proxy").items():
        monkeypatch.setenv(name, value)
    app = HandlerState.from_env()
    yield app
    app.db.close()


@pytest.fixture
def user() -> str:
    """A new user per test, so tests never see each other's teams."""
    return f"user-{uuid.uuid4().hex[:8]}"


def team_event(
    method: str,
    path: str,
    *,
    user: str | None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
) -> dict[str, Any]:
    route_path = "/teams/{team_id}" if path.count("/") == 2 else "/teams"
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"{method} {route_path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json", **(headers or {})},
        "requestContext": {"http": {"method": method, "path": path}, "requestId": "it"},
        "isBase64Encoded": False,
    }
    if user is not None:
        event["requestContext"]["authorizer"] = {"jwt": {"claims": {"sub": user}, "scopes": None}}
    if route_path.endswith("}"):
        event["pathParameters"] = {"team_id": path.rsplit("/", 1)[1]}
    if body is not None:
        event["body"] = body if isinstance(body, str) else json.dumps(body)
    if query:
        event["queryStringParameters"] = query
    return event


def call(
    app: HandlerState, method: str, path: str, **kwargs: Any
) -> tuple[int, dict[str, str], Any]:
    response = handle(lambda: app, team_event(method, path, **kwargs), "it")
    body = response.get("body")
    return response["statusCode"], response["headers"], json.loads(body) if body else None


def rows_of(owner_conn: psycopg.Connection[Any], user: str) -> list[tuple[Any, ...]]:
    return owner_conn.execute(
        "SELECT name, members, version FROM team WHERE owner = %s ORDER BY created_at", (user,)
    ).fetchall()


def test_the_lifecycle_of_a_team(
    app: HandlerState, user: str, owner_conn: psycopg.Connection[Any]
) -> None:
    status, headers, team = call(
        app, "POST", "/teams", user=user, body={"name": "Kanto", "members": [25, 6, 6]}
    )
    assert status == 201
    assert headers["location"] == f"/teams/{team['id']}"
    assert headers["etag"] == '"v1"'
    assert headers["cache-control"] == "private, no-cache"
    assert team == {
        "id": team["id"],
        "name": "Kanto",
        "members": [25, 6, 6],
        "owner": user,
        "version": 1,
    }
    path = headers["location"]
    assert call(app, "GET", path, user=user)[2] == team
    assert call(app, "GET", "/teams", user=user)[2] == [team]

    renamed = {"name": "Kanto II", "members": [1]}
    status, headers, after = call(
        app, "PUT", path, user=user, body=renamed, headers={"if-match": '"v1"'}
    )
    assert (status, headers["etag"], after["version"], after["members"]) == (200, '"v2"', 2, [1])
    # Someone holding version 1 is refused, and changes nothing.
    original = {"name": "Kanto", "members": [25, 6, 6]}
    stale = call(app, "PUT", path, user=user, body=original, headers={"if-match": '"v1"'})
    assert stale[0] == 412
    assert "version 2" in stale[2]["message"]
    assert call(app, "PUT", path, user=user, body=original)[0] == 428
    assert call(app, "DELETE", path, user=user, headers={"if-match": '"v1"'})[0] == 412
    assert rows_of(owner_conn, user) == [("Kanto II", [1], 2)]
    # 304 for a client whose copy is current.
    assert call(app, "GET", path, user=user, headers={"if-none-match": '"v2"'})[0] == 304

    status, headers, body = call(app, "DELETE", path, user=user, headers={"if-match": '"v2"'})
    assert (status, body) == (204, None)
    assert call(app, "GET", path, user=user)[0] == 404
    assert call(app, "DELETE", path, user=user)[0] == 404
    assert rows_of(owner_conn, user) == []


def test_another_users_team_is_not_found(app: HandlerState, user: str) -> None:
    _, headers, team = call(app, "POST", "/teams", user=user, body={"name": "A", "members": [1]})
    path = headers["location"]
    other = f"{user}-other"
    assert call(app, "GET", path, user=other)[0] == 404
    body = {"name": "B", "members": [2]}
    assert call(app, "PUT", path, user=other, body=body, headers={"if-match": "*"})[0] == 404
    assert call(app, "DELETE", path, user=other)[0] == 404
    assert call(app, "GET", "/teams", user=other)[2] == []
    assert call(app, "GET", path, user=user)[2] == team


@pytest.mark.parametrize(
    ("body", "content_type", "status", "says"),
    [
        ({"name": "x", "members": []}, None, 400, "1 to 6"),
        ({"name": "x", "members": [1] * 7}, None, 400, "1 to 6"),
        ({"name": "x", "members": [1, 2000, 3000]}, None, 400, "2000, 3000"),
        ({"name": "x", "members": [True]}, None, 400, "true is not a positive integer"),
        ({"name": "x", "members": ["25"]}, None, 400, "not a positive integer"),
        ({"name": "x", "members": [2**40]}, None, 400, str(2**40)),
        ({"name": "  ", "members": [1]}, None, 400, "name"),
        ({"name": "x" * 101, "members": [1]}, None, 400, "name"),
        ({"name": "x", "members": [1], "owner": "mallory"}, None, 400, "'owner'"),
        ([1, 2], None, 400, "JSON object"),
        ("{not json", None, 400, "not valid JSON"),
        ({"name": "x", "members": [1]}, "text/plain", 415, "text/plain"),
    ],
)
def test_a_bad_team_is_refused_naming_the_problem_and_writes_nothing(
    app: HandlerState,
    user: str,
    owner_conn: psycopg.Connection[Any],
    body: Any,
    content_type: str | None,
    status: int,
    says: str,
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    got, _, answer = call(app, "POST", "/teams", user=user, body=body, headers=headers)
    assert got == status
    assert says in answer["message"]
    assert rows_of(owner_conn, user) == []


def test_a_bad_team_id_a_query_or_no_caller_is_refused(app: HandlerState, user: str) -> None:
    status, _, answer = call(app, "GET", "/teams/not-a-uuid", user=user)
    assert (status, "UUID" in answer["message"]) == (400, True)
    assert call(app, "GET", "/teams", user=user, query={"limit": "1"})[0] == 400
    status, _, answer = call(app, "GET", "/teams", user=None)
    assert (status, answer) == (401, {"message": "Unauthorized"})


def test_an_idempotency_key_makes_a_retry_return_the_first_answer(
    app: HandlerState, user: str, owner_conn: psycopg.Connection[Any]
) -> None:
    key = {"idempotency-key": str(uuid.uuid4())}
    body = {"name": "Once", "members": [151]}
    first = call(app, "POST", "/teams", user=user, body=body, headers=key)
    # The same request again, written differently: the same answer, nothing written.
    spaced = json.dumps(body, indent=4)
    again = call(app, "POST", "/teams", user=user, body=spaced, headers=key)
    assert again[0] == 201
    assert again[2] == first[2]
    assert again[1]["location"] == first[1]["location"]
    assert again[1]["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first[1]
    assert len(rows_of(owner_conn, user)) == 1
    # The same key with another body is refused; the key belongs to its owner only.
    other = call(app, "POST", "/teams", user=user, body={**body, "name": "Twice"}, headers=key)
    assert other[0] == 422
    assert "different request" in other[2]["message"]
    assert call(app, "POST", "/teams", user=f"{user}-b", body=body, headers=key)[0] == 201
    assert len(rows_of(owner_conn, user)) == 1
    assert (
        call(app, "POST", "/teams", user=user, body=body, headers={"idempotency-key": ""})[0] == 400
    )


def test_concurrent_posts_with_one_key_write_one_team(
    tier: LocalTier, user: str, owner_conn: psycopg.Connection[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Eight execution environments (one HandlerState each) retrying the same request at once.
    for name, value in tier.function_env(via="proxy").items():
        monkeypatch.setenv(name, value)
    apps = [HandlerState.from_env() for _ in range(8)]
    key = {"idempotency-key": f"race-{uuid.uuid4()}"}
    start = threading.Barrier(len(apps))
    answers: list[tuple[int, dict[str, str], Any]] = []

    def post(app: HandlerState) -> None:
        start.wait()
        answers.append(
            call(app, "POST", "/teams", user=user, body={"name": "R", "members": [7]}, headers=key)
        )

    threads = [threading.Thread(target=post, args=(app,)) for app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for app in apps:
        app.db.close()
    assert [status for status, _, _ in answers] == [201] * len(apps)
    assert len({json.dumps(body) for _, _, body in answers}) == 1
    assert sum("idempotent-replayed" in headers for _, headers, _ in answers) == len(apps) - 1
    assert len(rows_of(owner_conn, user)) == 1


def test_the_application_role_has_exactly_the_team_rights(
    owner_conn: psycopg.Connection[Any],
) -> None:
    rights = owner_conn.execute(
        "SELECT table_name, string_agg(privilege_type, ',' ORDER BY privilege_type)"
        " FROM information_schema.role_table_grants WHERE grantee = %s"
        " GROUP BY table_name ORDER BY table_name",
        (LocalTier.app_user,),
    ).fetchall()
    assert rights == [
        ("poke_data", "SELECT"),
        ("pokemon", "SELECT"),
        ("team", "DELETE,INSERT,SELECT,UPDATE"),
        ("team_request", "DELETE,INSERT,SELECT,UPDATE"),
    ]
