"""`make run READS=replica`: the Pokédex reads on a hot standby, writes on the primary, and
a standby killed under load costs no more than the requests it had in flight.

Read-your-writes (pokedex/reads.py): a caller's teams are read from the writer. The tests
prove it with the standby's replay paused, so that a read served by the standby would miss
the write: in-process on the function's own HandlerState, and over HTTP with a team (which needs
the team routes and the JWT authorizer: it skips on a stack without them).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from pokedex.function_spec import API_FUNCTION
from pokedex.handler import HandlerState
from pokedex_local import statement_log
from pokedex_local.auth.token import bearer_minter
from pokedex_local.faultlab.faults import Target
from pokedex_local.faultlab.load import Load
from pokedex_local.gateway.server import STATS_PATH
from pokedex_local.loadlab.driver import Answer
from pokedex_local.loadlab.sampler import SCANS
from pokedex_local.loadlab.stack import RunningStack
from pokedex_local.loadlab.stack import start as start_stack
from pokedex_local.tier import Endpoint
from pokedex_local.tier.replica import STANDBY_LOG
from pokedex_local.tier.standby import wait_caught_up
from tests.e2e.gateway_process import get, request

pytestmark = pytest.mark.e2e
CLIENTS = 20
# A backend reports its table statistics at most once a second (PostgreSQL 15): wait this
# long before reading counts that must include the last queries.
STATS_FLUSH_S = 1.5


@pytest.fixture(scope="module")
def replica_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """`python -m pokedex_local.run --reads replica` on a free port, logging what the
    application role sends (the pinning check at the end reads the standby's log)."""
    previous = os.environ.get(statement_log.ENV_FLAG)
    os.environ[statement_log.ENV_FLAG] = "1"
    try:
        stack = start_stack(
            "proxy", tmp_path_factory.mktemp("replica"), extra=["--reads", "replica"]
        )
    finally:
        if previous is None:
            del os.environ[statement_log.ENV_FLAG]
    yield stack
    stack.stop()


def app_backends(stack: RunningStack, server: str) -> int:
    """The application role's backends on ``server`` ("postgres": the primary, "standby")."""
    with psycopg.connect(stack.conninfo(server), autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE usename = %s",
            (stack.description["app_user"],),
        ).fetchone()
    return int(row[0]) if row else 0


def pokemon_scans(stack: RunningStack, server: str) -> int:
    """Scans of the pokemon table ``server`` has run: each server counts its own (a
    standby's statistics are not replicated), so the reads each one served."""
    with psycopg.connect(stack.conninfo(server), autocommit=True) as conn:
        row = conn.execute(SCANS).fetchone()
    return int(row[0]) if row else 0


@contextlib.contextmanager
def replay_paused(stack: RunningStack) -> Iterator[None]:
    """The standby stops replaying the primary's WAL (it still streams it): from now on it
    is behind by whatever the primary writes, as a replica under load can be."""
    with psycopg.connect(stack.conninfo("standby", dbname="postgres"), autocommit=True) as conn:
        conn.execute("SELECT pg_wal_replay_pause()")
        try:
            yield
        finally:
            conn.execute("SELECT pg_wal_replay_resume()")


def in_recovery(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
    return bool(row and row[0])


def function_app(stack: RunningStack, monkeypatch: pytest.MonkeyPatch) -> HandlerState:
    """The function's own HandlerState, built from the environment the stack gives the function."""
    for name, value in stack.description["function"]["env"].items():
        monkeypatch.setenv(name, value)
    return HandlerState.from_env()


def test_list_and_item_reads_are_served_by_the_standby(replica_stack: RunningStack) -> None:
    # Given a fresh stack whose function has not queried anything yet
    assert app_backends(replica_stack, "standby") == 0
    writer_scans = pokemon_scans(replica_stack, "postgres")
    # When the Pokédex is read: the list, an item, the types
    for path in ("/poke_info", "/poke_info/25", "/types", "/poke_info?type=fire&limit=3"):
        assert get(replica_stack.api_url + path).status == 200, path
    # Then the application role is on the standby, and not on the primary
    assert app_backends(replica_stack, "standby") >= 1
    assert app_backends(replica_stack, "postgres") == 0
    time.sleep(STATS_FLUSH_S)
    assert pokemon_scans(replica_stack, "postgres") == writer_scans


def standby_endpoint(stack: RunningStack) -> Endpoint:
    return Endpoint(**stack.endpoint("standby"))


def test_the_function_writes_to_the_primary_and_reads_from_the_standby(
    replica_stack: RunningStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the function's own HandlerState
    app = function_app(replica_stack, monkeypatch)
    # Then app.db (writes, and the reads that must see them) reaches the primary, app.reads
    # the standby, each through its own PgBouncer
    assert app.db.run(in_recovery) is False
    assert app.reads.run(in_recovery, idempotent=True) is True
    env = replica_stack.description["function"]["env"]
    endpoints = replica_stack.description["endpoints"]
    assert int(env["DB_PORT"]) == endpoints["writer"]["port"]
    assert int(env["DB_READ_PORT"]) == endpoints["reader"]["port"]


def test_a_write_is_read_back_at_once_from_the_writer_while_the_standby_lags(
    replica_stack: RunningStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = function_app(replica_stack, monkeypatch)
    with psycopg.connect(replica_stack.conninfo("postgres"), autocommit=True) as owner:
        owner.execute("CREATE TABLE written (note text)")
        owner.execute(f"GRANT SELECT ON written TO {API_FUNCTION.database_role}")
        # the standby has the table before it falls behind
        wait_caught_up(
            Endpoint(**replica_stack.endpoint("postgres")), standby_endpoint(replica_stack)
        )
        with replay_paused(replica_stack):
            # When a row is written on the primary while the standby lags
            owner.execute("INSERT INTO written VALUES ('just written')")

            def notes(conn: psycopg.Connection[Any]) -> list[Any]:
                return conn.execute("SELECT note FROM written").fetchall()

            # Then the writer (teams' reads) sees it at once; the reader does not yet
            assert app.db.run(notes, idempotent=True) == [("just written",)]
            assert app.reads.run(notes, idempotent=True) == []
            # and the Pokédex reads go on from the lagging standby
            assert get(replica_stack.api_url + "/poke_info/25").status == 200
        owner.execute("DROP TABLE written")


def test_a_team_written_is_read_back_at_once_by_its_author(replica_stack: RunningStack) -> None:
    if replica_stack.description.get("auth") is None:
        pytest.skip("the team routes and the JWT authorizer are not in this stack yet")
    headers = {
        "Authorization": bearer_minter(replica_stack.description)("ash"),
        "content-type": "application/json",
    }
    body = json.dumps({"name": "read your writes", "members": [25, 133]}).encode()
    with replay_paused(replica_stack):
        # When ash writes a team while the standby lags
        created = request("POST", replica_stack.api_url + "/teams", body, headers)
        assert created.status == 201, created.body
        # Then ash reads it back at once: from the writer (the standby has not replayed it)
        again = get(replica_stack.api_url + created.headers["location"], headers=headers)
        assert again.status == 200, again.body
        assert again.json()["name"] == "read your writes"
        listed = get(replica_stack.api_url + "/teams", headers=headers).json()
        assert created.json()["id"] in [team["id"] for team in listed]


class ReadLoad:
    """``CLIENTS`` closed-loop clients reading items (the fault lab's load, on the load lab's
    driver), in a thread with an event loop of its own; every request's times and status."""

    def __init__(self, url: str) -> None:
        self._load = Load(url, CLIENTS)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_until_complete, args=(self._load.run(),)
        )

    def __enter__(self) -> ReadLoad:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._loop.call_soon_threadsafe(self._load.stop)
        self._thread.join()
        self._loop.close()

    @property
    def done(self) -> list[Answer]:
        return self._load.answers

    def in_flight_at(self, moment: float) -> int:
        return sum(1 for a in self.done if a.sent <= moment < a.done)

    def failed(self) -> list[Answer]:
        return [a for a in self.done if not a.ok]


def test_a_killed_standby_costs_at_most_the_reads_in_flight(replica_stack: RunningStack) -> None:
    # The tier's children are in tier.json, rewritten when the supervisor replaces one
    tier = Target(replica_stack, Path(replica_stack.description["state_dir"]))
    pid = tier.pid("standby")
    with ReadLoad(replica_stack.api_url) as load:
        time.sleep(2.0)  # every client's environment warm, reading from the standby
        writer_before = pokemon_scans(replica_stack, "postgres")
        # When the standby's postmaster is killed in the middle of the load
        killed_at = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        time.sleep(2.0)
        # Then the reads continue on the writer
        on_writer = pokemon_scans(replica_stack, "postgres") - writer_before
        # and the supervisor has brought the standby back
        back = tier.pid("standby")
        # which gets the reads again once the function's cool-down (5 s) has passed
        time.sleep(6.0)
        standby_mark = pokemon_scans(replica_stack, "standby")
        writer_mark = pokemon_scans(replica_stack, "postgres")
        time.sleep(STATS_FLUSH_S)
        on_standby_at_end = pokemon_scans(replica_stack, "standby") - standby_mark
        on_writer_at_end = pokemon_scans(replica_stack, "postgres") - writer_mark
    in_flight = load.in_flight_at(killed_at)
    # The figures docs/local-runtime.md quotes (pytest -s shows them)
    print(  # noqa: T201
        f"requests {len(load.done)}, in flight at the kill {in_flight},"
        f" failed {len(load.failed())}, scans on the writer in the 2 s after the kill"
        f" {on_writer}, at the end: standby {on_standby_at_end}, writer {on_writer_at_end}"
    )
    assert len(load.failed()) <= in_flight, load.failed()
    assert on_writer > 0
    assert back != pid
    assert on_standby_at_end > 0
    assert on_writer_at_end == 0


def test_the_live_view_shows_the_replication_lag_and_the_standby_backends(
    replica_stack: RunningStack,
) -> None:
    # Given the stack after some reads (the earlier tests)
    stats_url = replica_stack.api_url + STATS_PATH
    get(stats_url)  # the first look starts the database sampling (about once a second)
    deadline = time.monotonic() + 10
    replica: dict[str, Any] = {}
    while time.monotonic() < deadline and "backends" not in replica:
        time.sleep(0.5)
        replica = (get(stats_url).json().get("database") or {}).get("replica") or {}
    # Then /__local/stats has the standby: streaming, its lag, the app role's backends
    assert replica["state"] == "streaming", replica
    assert isinstance(replica["replay_lag_bytes"], int)
    assert replica["replay_lag_bytes"] >= 0
    assert replica_stack.description["app_user"] in replica["backends"]


def test_the_reads_on_the_standby_pin_nothing(replica_stack: RunningStack) -> None:
    # Last in this module: the reads of every test above are in the standby's log.
    log = Path(replica_stack.description["logs_dir"]) / STANDBY_LOG
    text = statement_log.read_log(log)
    read = [sql for sql, _ in statement_log.statements(text) if "pokemon" in sql]
    assert read, "the application role's reads on the standby were logged"
    assert statement_log.findings(text) == []
