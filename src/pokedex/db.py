"""The one seam to PostgreSQL: one connection per execution environment, reused.

The connection is opened on first use, never at import, so a cold start survives a
database that is down. It is kept across invocations and replaced when it turns out to be
broken (the proxy or the database restarted, an idle timeout); a refused or broken link
is retried with a short backoff while the invocation's time allows, but only where
nothing could be applied twice; a failed login is retried once with freshly read
credentials (the password was rotated). psycopg errors are translated here and nowhere
else, into a 503 with Retry-After.

Two settings keep this safe behind a pooling proxy (PgBouncer in transaction mode, RDS
Proxy): ``prepare_threshold=None`` so psycopg never creates server-side prepared
statements, which would pin an RDS Proxy session and break on PgBouncer 1.18; and
autocommit, so every query is its own transaction and the server connection goes back to
the pool as soon as it returns. No statement here sets session state.
"""

from __future__ import annotations

import enum
import logging
import random
import time
from collections.abc import Callable
from importlib import resources
from typing import Any, Protocol, TypeVar

import psycopg

from pokedex.deadlines import (
    RETRY_BUDGET_S,
    RETRY_FIRST_PAUSE_S,
    RETRY_MAX_PAUSE_S,
    RETRY_RESERVE_S,
)
from pokedex.errors import DatabaseBusy, DatabaseUnavailable
from pokedex.secrets import DbCredentials
from pokedex.settings import Settings

T = TypeVar("T")
Connect = Callable[..., psycopg.Connection[Any]]
logger = logging.getLogger("pokedex.db")

# SQLSTATEs of a refused login: invalid_password, invalid_authorization_specification.
_LOGIN_REFUSED = {"28P01", "28000"}
# The database is there but will not serve this request now: a statement cancelled by
# statement_timeout, a lock not available, too many connections (direct mode). Retrying
# would add load where there is too much: answer 503 with Retry-After at once.
_BUSY = {"57014", "55P03", "53300"}
# Said by PgBouncer (RDS Proxy: "timed out waiting for a connection") when the borrow
# timeout passed: the pool is saturated, the same verdict.
_BUSY_PHRASES = ("query_wait_timeout", "timed out waiting")
# libpq refusing the server's certificate (verify-full): not a passing fault, and nothing
# was sent, not even the user name. Retrying would only try the same server again.
_UNTRUSTED_PHRASES = ("certificate verify failed", "does not match host name")


class Failure(enum.Enum):
    LINK = "link"  # refused, reset or restarting: another attempt may well work
    BUSY = "busy"  # the database is overloaded or blocked: another attempt adds load
    UNTRUSTED = "untrusted"  # the server's certificate did not verify: never retried


def classify(exc: psycopg.OperationalError | psycopg.InternalError) -> Failure:
    """Whether a failure is worth another attempt (LINK) or a quick 503 (BUSY)."""
    text = str(exc)
    if any(phrase in text for phrase in _UNTRUSTED_PHRASES):
        return Failure.UNTRUSTED
    if exc.sqlstate in _BUSY or any(phrase in text for phrase in _BUSY_PHRASES):
        return Failure.BUSY
    # The rest (a refused or lost connection, "the database system is starting up",
    # "terminating connection due to administrator command", PgBouncer's "server conn
    # crashed?") are a link that broke; the connection is gone or never was.
    return Failure.LINK


def unreachable(exc: psycopg.OperationalError) -> bool:
    """Whether the server could not be reached or had no connection to give: the work
    never ran there (a link refused or broken, no free slot, the proxy's borrow timeout),
    as opposed to work that ran and failed (a statement timeout, a lock not available)."""
    text = str(exc)
    if classify(exc) is Failure.LINK:
        return True
    return exc.sqlstate == "53300" or any(phrase in text for phrase in _BUSY_PHRASES)


class Runner(Protocol):
    """What the use cases need of a database: a DatabaseClient, or reads.ReadRouting."""

    def begin(self, remaining_s: float | None) -> None: ...

    def run(
        self, work: Callable[[psycopg.Connection[Any]], T], *, idempotent: bool = False
    ) -> T: ...


class CredentialSource(Protocol):
    def get(self, *, refresh: bool = False) -> DbCredentials: ...


def load_query(name: str) -> bytes:
    """A query from ``pokedex/queries/<name>.sql``."""
    return resources.files("pokedex.queries").joinpath(f"{name}.sql").read_bytes()


class DatabaseClient:
    def __init__(
        self,
        settings: Settings,
        credentials: CredentialSource,
        connect: Connect = psycopg.connect,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        retry_budget_s: float = RETRY_BUDGET_S,
    ) -> None:
        self._settings = settings
        # 0 turns retries off: a read endpoint's failure is better served by the writer at
        # once than retried (pokedex/reads.py).
        self._retry_budget_s = retry_budget_s
        self._credentials = credentials
        self._connect = connect
        self._clock = clock
        self._sleep = sleep
        self._conn: psycopg.Connection[Any] | None = None
        self.connects = 0
        self.retries = 0
        # When the current invocation must have answered, on ``clock``; see begin().
        self.deadline: float | None = None

    def begin(self, remaining_s: float | None) -> None:
        """A new invocation, ``remaining_s`` before the function's timeout (None: no limit)."""
        self.deadline = None if remaining_s is None else self._clock() + remaining_s

    def run(self, work: Callable[[psycopg.Connection[Any]], T], *, idempotent: bool = False) -> T:
        """Run ``work`` on the environment's connection, retrying what is safe to retry.

        A failure to connect is always retried (nothing reached the database). A failure
        after the work was sent is retried only if ``idempotent``: a read run twice is a
        read, a write might be applied twice. Retries pause 0.1 s, doubling to 1 s with
        jitter, for at most ``retry_budget_s`` (``RETRY_BUDGET_S`` unless told) and never
        into the last ``RETRY_RESERVE_S`` of the invocation (``deadline``). What cannot be
        retried or runs out of time is a 503 with Retry-After.
        """
        started = self._clock()
        attempt = 0
        while True:
            sent = False
            try:
                conn = self._connection()
                sent = True
                return work(conn)
            except (psycopg.OperationalError, psycopg.InternalError) as exc:
                if isinstance(exc, psycopg.InternalError) and self._conn is not None:
                    # The protocol went astray: PgBouncer answered a COMMIT with an error
                    # and a result when its server died under it ("received 2 results").
                    # The connection's state is unknown: never use it again.
                    self._conn.close()
                failure = classify(exc)
                if failure is Failure.BUSY:
                    raise DatabaseBusy() from exc
                if failure is Failure.UNTRUSTED:
                    logger.error("the database's TLS certificate was refused: %s", first_line(exc))
                    raise DatabaseUnavailable() from exc
                if self._conn is not None and self._conn.closed:
                    self._conn = None
                retry = failure is Failure.LINK and (idempotent or not sent)
                pause = _pause(attempt)
                if not retry or not self._time_for(pause, started):
                    self.close()
                    raise DatabaseUnavailable() from exc
                logger.warning(
                    "database %s (attempt %d), retrying in %.2f s: %s",
                    "call failed" if sent else "connect failed",
                    attempt + 1,
                    pause,
                    first_line(exc),
                )
            self._sleep(pause)
            attempt += 1
            self.retries += 1

    def _time_for(self, pause: float, started: float) -> bool:
        now = self._clock()
        if now + pause - started > self._retry_budget_s:
            return False
        return self.deadline is None or now + pause + RETRY_RESERVE_S < self.deadline

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is not None and not self._conn.closed:
            return self._conn
        try:
            self._conn = self._open(self._credentials.get())
        except psycopg.OperationalError as exc:
            if not _login_refused(exc):
                raise
            # The password was rotated: the secret holds the new one. Re-read it once per
            # invocation; a second refusal means the secret and the role disagree.
            logger.warning("database login refused, re-reading the secret once")
            try:
                self._conn = self._open(self._credentials.get(refresh=True))
            except psycopg.OperationalError as again:
                raise DatabaseUnavailable() from again
        return self._conn

    def _open(self, creds: DbCredentials) -> psycopg.Connection[Any]:
        self.connects += 1
        return self._connect(**connection_params(self._settings, creds))


def connection_params(settings: Settings, creds: DbCredentials) -> dict[str, Any]:
    """psycopg.connect's arguments for these settings and credentials, pooler-safe."""
    return {
        "host": settings.db_endpoint,
        "port": settings.db_port,
        "dbname": settings.db_name or creds.dbname or "postgres",
        "user": creds.username,
        "password": creds.password,
        "sslmode": settings.db_sslmode,
        **({"sslrootcert": settings.db_sslrootcert} if settings.db_sslrootcert else {}),
        "connect_timeout": settings.connect_timeout_s,
        "autocommit": True,
        "prepare_threshold": None,
    }


def _login_refused(exc: psycopg.OperationalError) -> bool:
    # PostgreSQL and RDS Proxy say "password authentication failed"; PgBouncer, checking a
    # SCRAM exchange itself, says "SASL authentication failed" without a useful SQLSTATE.
    text = str(exc)
    return exc.sqlstate in _LOGIN_REFUSED or any(
        phrase in text
        for phrase in ("password authentication failed", "SASL authentication failed")
    )


def _pause(attempt: int) -> float:
    # Jitter spreads a hundred environments' retries, so they do not return in one wave.
    ceiling = min(RETRY_MAX_PAUSE_S, RETRY_FIRST_PAUSE_S * 2**attempt)
    return random.uniform(ceiling / 2, ceiling)


def first_line(exc: BaseException) -> str:
    """An error's first line, for a log line (psycopg's messages run over several)."""
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
