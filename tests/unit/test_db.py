"""The connection lifecycle of one execution environment, on fakes."""

from __future__ import annotations

from typing import Any

import pytest

from pokedex.db import Database
from pokedex.errors import DatabaseUnavailable
from pokedex.settings import Settings
from tests.unit.fakes import FakeSecret, FakeServer

SETTINGS = Settings(db_endpoint="proxy.example", secret_id="app", db_name="pokedex")


def query(conn: Any) -> Any:
    return conn.execute(b"SELECT 1").fetchone()


def test_connects_lazily_and_reuses_the_connection() -> None:
    server = FakeServer()
    db = Database(SETTINGS, FakeSecret(), server)
    assert server.logins == []  # nothing happens before the first query
    db.run(query)
    db.run(query)
    assert len(server.logins) == 1
    assert len(server.connections[0].queries) == 2


def test_connects_without_prepared_statements_in_autocommit() -> None:
    server = FakeServer()
    Database(SETTINGS, FakeSecret(), server).run(query)
    login = server.logins[0]
    assert login["prepare_threshold"] is None
    assert login["autocommit"] is True
    assert login["sslmode"] == "require"
    assert (login["host"], login["port"], login["dbname"]) == ("proxy.example", 5432, "pokedex")


def test_a_broken_connection_is_replaced_once() -> None:
    server = FakeServer()
    db = Database(SETTINGS, FakeSecret(), server)
    db.run(query)
    server.connections[0].break_next()
    assert db.run(query) == ('"ok"',)
    assert len(server.logins) == 2


def test_a_second_failure_after_reconnecting_is_a_503() -> None:
    server = FakeServer()
    db = Database(SETTINGS, FakeSecret(), server)
    db.run(query)
    server.connections[0].break_next()
    server.down = True
    with pytest.raises(DatabaseUnavailable):
        db.run(query)


def test_a_database_that_is_down_is_a_503_not_a_crash() -> None:
    server = FakeServer()
    server.down = True
    db = Database(SETTINGS, FakeSecret(), server)
    with pytest.raises(DatabaseUnavailable) as raised:
        db.run(query)
    assert raised.value.status == 503
    server.down = False
    assert db.run(query) == ('"ok"',)  # and the next invocation recovers


def test_a_refused_login_rereads_the_secret_once() -> None:
    secret = FakeSecret(password="old")
    server = FakeServer(password="old")
    db = Database(SETTINGS, secret, server)
    db.run(query)
    db.close()
    secret.password = server.password = "new"  # rotated in both places
    assert db.run(query) == ('"ok"',)
    assert secret.refreshes == 1
    assert [login["password"] for login in server.logins] == ["old", "old", "new"]


def test_a_wrong_password_in_the_secret_too_is_a_503_after_one_refresh() -> None:
    secret = FakeSecret(password="wrong")
    db = Database(SETTINGS, secret, FakeServer(password="right"))
    with pytest.raises(DatabaseUnavailable):
        db.run(query)
    assert secret.refreshes == 1


def test_dbname_falls_back_to_the_secret_then_postgres() -> None:
    server = FakeServer()
    settings = Settings(db_endpoint="h", secret_id="s")
    Database(settings, FakeSecret(), server).run(query)
    assert server.logins[0]["dbname"] == "postgres"
