"""The one seam to PostgreSQL: one connection per execution environment, reused.

The connection is opened on first use, never at import, so a cold start survives a
database that is down. It is kept across invocations, replaced once when it turns out to
be broken (the proxy restarted, an idle timeout), and a failed login is retried once with
freshly read credentials (the password was rotated). psycopg errors are translated here
and nowhere else.

Two settings keep this safe behind a pooling proxy (PgBouncer in transaction mode, RDS
Proxy): ``prepare_threshold=None`` so psycopg never creates server-side prepared
statements, which would pin an RDS Proxy session and break on PgBouncer 1.18; and
autocommit, so every query is its own transaction and the server connection goes back to
the pool as soon as it returns. No statement here sets session state.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from importlib import resources
from typing import Any, Protocol, TypeVar

import psycopg

from pokedex.errors import DatabaseUnavailable
from pokedex.secrets import DbCredentials
from pokedex.settings import Settings

T = TypeVar("T")
Connect = Callable[..., psycopg.Connection[Any]]
logger = logging.getLogger("pokedex.db")

# SQLSTATEs of a refused login: invalid_password, invalid_authorization_specification.
_LOGIN_REFUSED = {"28P01", "28000"}


class CredentialSource(Protocol):
    def get(self, *, refresh: bool = False) -> DbCredentials: ...


def load_query(name: str) -> bytes:
    """A query from ``pokedex/queries/<name>.sql``."""
    return resources.files("pokedex.queries").joinpath(f"{name}.sql").read_bytes()


class Database:
    def __init__(
        self,
        settings: Settings,
        credentials: CredentialSource,
        connect: Connect = psycopg.connect,
    ) -> None:
        self._settings = settings
        self._credentials = credentials
        self._connect = connect
        self._conn: psycopg.Connection[Any] | None = None
        self.connects = 0

    def run(self, work: Callable[[psycopg.Connection[Any]], T]) -> T:
        """Run ``work`` on the environment's connection, reconnecting once if it broke."""
        conn = self._connection()
        try:
            return work(conn)
        except psycopg.OperationalError as exc:
            if not conn.closed:
                raise DatabaseUnavailable() from exc
            logger.warning("database connection lost, reconnecting once: %s", _first_line(exc))
        self._conn = None
        conn = self._connection()
        try:
            return work(conn)
        except psycopg.OperationalError as exc:
            self.close()
            raise DatabaseUnavailable() from exc

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
                raise DatabaseUnavailable() from exc
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


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
