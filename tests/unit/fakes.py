"""In-memory stand-ins for a psycopg connection and a secret, for the unit tests."""

from __future__ import annotations

from typing import Any

import psycopg

from pokedex.function_spec import API_FUNCTION
from pokedex.secrets import DbCredentials


class FakeCursor:
    def __init__(self, row: tuple[Any, ...] | None) -> None:
        self._row = row

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._row


class FakeConnection:
    """Answers every query with ``row``; ``break_next()`` makes the next query lose the link."""

    def __init__(self, row: tuple[Any, ...] | None = ('"ok"',)) -> None:
        self.row = row
        self.closed = False
        self.queries: list[tuple[bytes, Any]] = []
        self._break = False

    def break_next(self) -> None:
        self._break = True

    def execute(self, query: bytes, params: Any = None) -> FakeCursor:
        if self._break:
            self.closed = True
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        self.queries.append((query, params))
        return FakeCursor(self.row)

    def close(self) -> None:
        self.closed = True


class FakeServer:
    """A `connect` callable that accepts one password and hands out FakeConnections."""

    def __init__(self, password: str = "right", row: tuple[Any, ...] | None = ('"ok"',)) -> None:
        self.password = password
        self.row = row
        self.down = False
        self.logins: list[dict[str, Any]] = []
        self.connections: list[FakeConnection] = []

    def __call__(self, **kwargs: Any) -> FakeConnection:
        self.logins.append(kwargs)
        if self.down:
            raise psycopg.OperationalError("connection refused")
        if kwargs["password"] != self.password:
            raise psycopg.OperationalError(
                f'FATAL:  password authentication failed for user "{kwargs["user"]}"'
            )
        conn = FakeConnection(self.row)
        self.connections.append(conn)
        return conn


class FakeSecret:
    """A credential source whose stored password can be changed, like a rotated secret."""

    def __init__(self, password: str = "right") -> None:
        self.password = password
        self.cached: DbCredentials | None = None
        self.refreshes = 0

    def get(self, *, refresh: bool = False) -> DbCredentials:
        if self.cached is None or refresh:
            self.refreshes += refresh
            self.cached = DbCredentials(username=API_FUNCTION.database_role, password=self.password)
        return self.cached


class FakeClock:
    """time.monotonic and time.sleep for the retry loop: sleeping moves the clock."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.pauses: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds
