"""The connection lifecycle of one execution environment, on fakes."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from pokedex import deadlines
from pokedex.db import DatabaseClient, Failure, classify
from pokedex.errors import DatabaseBusy, DatabaseUnavailable
from pokedex.settings import Settings
from tests.unit.fakes import FakeClock, FakeSecret, FakeServer

SETTINGS = Settings(db_endpoint="proxy.example", secret_id="app", db_name="pokedex")


def query(conn: Any) -> Any:
    return conn.execute(b"SELECT 1").fetchone()


def test_connects_lazily_and_reuses_the_connection() -> None:
    server = FakeServer()
    db = DatabaseClient(SETTINGS, FakeSecret(), server)
    assert server.logins == []  # nothing happens before the first query
    db.run(query)
    db.run(query)
    assert len(server.logins) == 1
    assert len(server.connections[0].queries) == 2


def test_connects_without_prepared_statements_in_autocommit() -> None:
    server = FakeServer()
    DatabaseClient(SETTINGS, FakeSecret(), server).run(query)
    login = server.logins[0]
    assert login["prepare_threshold"] is None
    assert login["autocommit"] is True
    assert login["sslmode"] == "require"
    assert (login["host"], login["port"], login["dbname"]) == ("proxy.example", 5432, "pokedex")


def _db(server: FakeServer, clock: FakeClock | None = None) -> DatabaseClient:
    clock = clock or FakeClock()
    return DatabaseClient(SETTINGS, FakeSecret(), server, clock=clock, sleep=clock.sleep)


def test_a_broken_connection_is_replaced_and_the_read_retried() -> None:
    server = FakeServer()
    db = _db(server)
    db.run(query)
    server.connections[0].break_next()
    assert db.run(query, idempotent=True) == ('"ok"',)
    assert len(server.logins) == 2


def test_a_call_that_might_write_is_not_sent_twice() -> None:
    server = FakeServer()
    db = _db(server)
    db.run(query)
    server.connections[0].break_next()
    with pytest.raises(DatabaseUnavailable):
        db.run(query)  # not idempotent: it may have been applied before the link broke
    assert len(server.logins) == 1
    assert db.run(query) == ('"ok"',)  # the next call reconnects


def test_a_commit_answered_twice_drops_the_connection_and_is_a_503() -> None:
    # PgBouncer, its server killed during a COMMIT, sends an error and a result: psycopg
    # raises InternalError and the connection's state is unknown.
    server = FakeServer()
    db = _db(server)
    db.run(query)

    def confused(conn: Any) -> Any:
        raise psycopg.InternalError("received 2 results from command 'COMMIT'")

    with pytest.raises(DatabaseUnavailable):
        db.run(confused)  # a write: not sent twice
    assert server.connections[0].closed
    assert db.run(query) == ('"ok"',)  # on a new connection
    assert len(server.logins) == 2


def test_a_refused_connection_is_retried_with_growing_pauses_until_it_is_back() -> None:
    server, clock = FakeServer(), FakeClock()
    server.down = True
    db = _db(server, clock)
    attempts = 0

    def come_back_on_the_fourth(**kwargs: Any) -> Any:
        nonlocal attempts
        attempts += 1
        server.down = attempts < 4
        return server(**kwargs)

    db._connect = come_back_on_the_fourth
    assert db.run(query) == ('"ok"',)  # connecting sends nothing: always safe to retry
    assert len(clock.pauses) == 3
    ceilings = [0.1, 0.2, 0.4]
    assert all(c / 2 <= p <= c for p, c in zip(clock.pauses, ceilings, strict=True))


def test_retries_stop_at_the_budget_and_answer_503() -> None:
    server, clock = FakeServer(), FakeClock()
    server.down = True
    db = _db(server, clock)
    with pytest.raises(DatabaseUnavailable) as raised:
        db.run(query, idempotent=True)
    assert raised.value.status == 503
    assert raised.value.retry_after == deadlines.RETRY_AFTER_S
    assert sum(clock.pauses) <= deadlines.RETRY_BUDGET_S
    assert max(clock.pauses) <= deadlines.RETRY_MAX_PAUSE_S
    server.down = False
    assert db.run(query) == ('"ok"',)  # and the next invocation recovers


def test_retries_stop_before_the_invocation_runs_out_of_time() -> None:
    server, clock = FakeServer(), FakeClock()
    server.down = True
    db = _db(server, clock)
    db.begin(deadlines.RETRY_RESERVE_S + 0.5)
    with pytest.raises(DatabaseUnavailable):
        db.run(query, idempotent=True)
    assert clock.now + deadlines.RETRY_RESERVE_S < db.deadline
    assert sum(clock.pauses) < 0.5


@pytest.mark.parametrize(
    ("sqlstate", "text"),
    [
        ("57014", "canceling statement due to statement timeout"),
        ("55P03", "could not obtain lock"),
        (None, "query_wait_timeout"),
    ],
)
def test_a_busy_database_is_a_503_at_once_without_retry(sqlstate: str | None, text: str) -> None:
    class Busy(psycopg.OperationalError):
        pass

    Busy.sqlstate = sqlstate
    server, clock = FakeServer(), FakeClock()
    db = _db(server, clock)

    def stuck(conn: Any) -> Any:
        raise Busy(text)

    with pytest.raises(DatabaseBusy) as raised:
        db.run(stuck, idempotent=True)
    assert raised.value.status == 503
    assert clock.pauses == []
    assert classify(Busy(text)) is Failure.BUSY


def test_a_lost_or_refused_link_is_worth_a_retry() -> None:
    for text in ("server closed the connection unexpectedly", "connection refused"):
        assert classify(psycopg.OperationalError(text)) is Failure.LINK


def test_a_refused_login_rereads_the_secret_once() -> None:
    secret = FakeSecret(password="old")
    server = FakeServer(password="old")
    db = DatabaseClient(SETTINGS, secret, server)
    db.run(query)
    db.close()
    secret.password = server.password = "new"  # rotated in both places
    assert db.run(query) == ('"ok"',)
    assert secret.refreshes == 1
    assert [login["password"] for login in server.logins] == ["old", "old", "new"]


def test_a_wrong_password_in_the_secret_too_is_a_503_after_one_refresh() -> None:
    secret = FakeSecret(password="wrong")
    db = DatabaseClient(SETTINGS, secret, FakeServer(password="right"))
    with pytest.raises(DatabaseUnavailable):
        db.run(query)
    assert secret.refreshes == 1


def test_dbname_falls_back_to_the_secret_then_postgres() -> None:
    server = FakeServer()
    settings = Settings(db_endpoint="h", secret_id="s")
    DatabaseClient(settings, FakeSecret(), server).run(query)
    assert server.logins[0]["dbname"] == "postgres"
