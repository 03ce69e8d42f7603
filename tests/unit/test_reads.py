"""Read routing: the read endpoint first, the writer when it cannot be reached, on fakes."""

from __future__ import annotations

import logging
from typing import Any

import psycopg
import pytest

from pokedex.db import DatabaseClient
from pokedex.errors import DatabaseBusy, DatabaseUnavailable
from pokedex.handler import HandlerState
from pokedex.reads import COOL_DOWN_S, ReadRouting
from pokedex.settings import Settings
from tests.unit.fakes import FakeClock, FakeSecret, FakeServer

WRITER = Settings(db_endpoint="writer.example", secret_id="app", db_name="pokedex")
READER = Settings(db_endpoint="reader.example", secret_id="app", db_name="pokedex")


def query(conn: Any) -> Any:
    return conn.execute(b"SELECT 1").fetchone()


class Tier:
    """A writer and a reader on fakes, routed as HandlerState.from_env routes them."""

    def __init__(self) -> None:
        self.clock = FakeClock()
        self.writer_server = FakeServer(row=("writer",))
        self.reader_server = FakeServer(row=("reader",))
        secret = FakeSecret()
        writer = DatabaseClient(
            WRITER, secret, self.writer_server, clock=self.clock, sleep=self.clock.sleep
        )
        reader = DatabaseClient(
            READER, secret, self.reader_server, clock=self.clock, sleep=self.clock.sleep,
            retry_budget_s=0.0,
        )  # fmt: skip
        self.routing = ReadRouting(reader, writer, clock=self.clock)

    def read(self, work: Any = query) -> Any:
        return self.routing.run(work, idempotent=True)


def test_reads_go_to_the_reader_and_never_open_the_writer() -> None:
    tier = Tier()
    assert [tier.read(), tier.read()] == [("reader",), ("reader",)]
    assert tier.writer_server.logins == []
    assert len(tier.reader_server.logins) == 1


def test_a_reader_that_refuses_connections_has_the_read_served_by_the_writer() -> None:
    tier = Tier()
    tier.reader_server.down = True
    assert tier.read() == ("writer",)
    assert tier.routing.on_writer
    assert tier.clock.pauses == []  # no retry pause on the reader: the writer at once


def test_a_reader_link_broken_mid_query_has_the_read_served_by_the_writer() -> None:
    tier = Tier()
    tier.read()
    tier.reader_server.connections[0].break_next()
    assert tier.read() == ("writer",)


def test_the_reader_is_left_alone_during_the_cool_down_then_tried_again() -> None:
    tier = Tier()
    tier.reader_server.down = True
    tier.read()
    attempts = len(tier.reader_server.logins)
    # Within the cool-down every read goes straight to the writer
    tier.clock.now += COOL_DOWN_S - 0.1
    assert [tier.read() for _ in range(5)] == [("writer",)] * 5
    assert len(tier.reader_server.logins) == attempts
    # After it, one attempt; still down: the writer again, and another cool-down
    tier.clock.now += 0.2
    assert tier.read() == ("writer",)
    assert len(tier.reader_server.logins) == attempts + 1
    assert tier.read() == ("writer",)
    assert len(tier.reader_server.logins) == attempts + 1


def test_reads_return_to_the_reader_once_it_answers_again() -> None:
    tier = Tier()
    tier.reader_server.down = True
    tier.read()
    tier.reader_server.down = False
    tier.clock.now += COOL_DOWN_S
    assert tier.read() == ("reader",)
    assert not tier.routing.on_writer
    assert tier.routing.fallbacks == 1


def test_one_warning_when_reads_leave_the_reader_and_one_when_they_return(
    caplog: pytest.LogCaptureFixture,
) -> None:
    tier = Tier()
    tier.reader_server.down = True
    with caplog.at_level(logging.WARNING, logger="pokedex.reads"):
        for _ in range(3):  # three failed attempts, one per cool-down
            tier.read()
            tier.clock.now += COOL_DOWN_S
        tier.reader_server.down = False
        tier.read()
        tier.read()
    messages = [r.getMessage() for r in caplog.records if r.name == "pokedex.reads"]
    assert len(messages) == 2
    assert "unreachable (connection refused)" in messages[0]
    assert "answers again" in messages[1]


def test_the_proxy_borrow_timeout_on_the_reader_sends_the_read_to_the_writer() -> None:
    # PgBouncer keeps a query waiting for a standby that is gone, then says this
    tier = Tier()
    calls = []

    def waits_in_vain(conn: Any) -> Any:
        calls.append(conn)
        if len(calls) == 1:
            raise psycopg.OperationalError("query_wait_timeout")
        return query(conn)

    assert tier.read(waits_in_vain) == ("writer",)


def test_a_statement_timeout_on_the_reader_is_not_run_again_on_the_writer() -> None:
    tier = Tier()

    def too_slow(conn: Any) -> Any:
        raise psycopg.errors.QueryCanceled("canceling statement due to statement timeout")

    with pytest.raises(DatabaseBusy):
        tier.read(too_slow)
    assert tier.writer_server.logins == []
    assert not tier.routing.on_writer


def test_a_refused_reader_certificate_is_an_error_not_a_fallback() -> None:
    tier = Tier()

    def untrusted(conn: Any) -> Any:
        raise psycopg.OperationalError("SSL error: certificate verify failed")

    with pytest.raises(DatabaseUnavailable):
        tier.read(untrusted)
    assert tier.writer_server.logins == []


def test_a_writer_that_is_down_too_is_a_503() -> None:
    tier = Tier()
    tier.reader_server.down = tier.writer_server.down = True
    with pytest.raises(DatabaseUnavailable):
        tier.read()


def test_begin_gives_both_endpoints_the_invocation_deadline() -> None:
    tier = Tier()
    tier.routing.begin(12.0)
    assert isinstance(tier.routing.reader, DatabaseClient)
    assert isinstance(tier.routing.writer, DatabaseClient)
    assert tier.routing.reader.deadline == tier.routing.writer.deadline == tier.clock.now + 12.0


def test_app_from_env_routes_reads_only_when_a_read_endpoint_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DB_ENDPOINT", "writer.example")
    monkeypatch.setenv("SECRET", "s")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")  # the secrets client wants one
    monkeypatch.delenv("DB_READ_ENDPOINT", raising=False)
    monkeypatch.delenv("DB_READ_PORT", raising=False)
    alone = HandlerState.from_env()
    assert alone.reads is alone.db
    monkeypatch.setenv("DB_READ_ENDPOINT", "reader.example")
    routed = HandlerState.from_env()
    assert isinstance(routed.reads, ReadRouting)
    assert routed.reads.writer is routed.db
