"""The one migration runner: local start-up, the tests and the deploy-time trigger all call it.

Migrations are ``NNNN_description.sql`` files in ``pokedex/migrations``, applied in order,
each in its own transaction together with the row that records it. Runners that start at
the same time are serialised by a transaction-scoped advisory lock: ``pg_advisory_xact_lock``
is released at commit and, unlike the session-level variant, does not pin an RDS Proxy
session. Each migration re-checks, under the lock, whether another runner applied it first.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import psycopg
from psycopg import sql

from pokedex.errors import MigrationError
from pokedex.function_spec import API_FUNCTION

# Created by migrations/0003_app_role.sql (SQL cannot read the spec: a test checks it).
APP_ROLE = API_FUNCTION.database_role
# An arbitrary constant shared by every runner: "pokedex" in ASCII.
_LOCK_KEY = 0x706F6B65646578
_NAME = re.compile(r"(?P<version>\d{4})_(?P<description>[a-z0-9_]+)\.sql")

logger = logging.getLogger("pokedex.migrate")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations() -> list[Migration]:
    """Every migration shipped in the package, in version order."""
    found: list[Migration] = []
    for entry in resources.files("pokedex.migrations").iterdir():
        if not entry.name.endswith(".sql"):
            continue
        match = _NAME.fullmatch(entry.name)
        if match is None:
            raise MigrationError(f"migration file name {entry.name!r} is not NNNN_description.sql")
        found.append(
            Migration(int(match["version"]), entry.name, entry.read_text(encoding="utf-8"))
        )
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migrations share a version number: {versions}")
    return found


def migrate(
    conn: psycopg.Connection[Any],
    *,
    app_password: str | None = None,
    migrations: list[Migration] | None = None,
) -> list[str]:
    """Apply the pending migrations and return the names of those this call applied.

    ``conn`` must be in autocommit mode: the runner opens one transaction per migration.
    With ``app_password``, the application role's password is (re)set afterwards, so a
    rotated application secret reaches the database on the next run.
    """
    if not conn.autocommit:
        raise MigrationError("the migration runner needs an autocommit connection")
    pending = load_migrations() if migrations is None else migrations
    with conn.transaction():
        _lock(conn)
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
    applied: list[str] = []
    for migration in pending:
        with conn.transaction():
            _lock(conn)
            if _already_applied(conn, migration):
                continue
            conn.execute(migration.sql.encode())
            conn.execute(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                (migration.version, migration.name, migration.checksum),
            )
        logger.info("applied migration %s", migration.name)
        applied.append(migration.name)
    if app_password is not None:
        set_app_password(conn, app_password)
    return applied


def set_app_password(conn: psycopg.Connection[Any], password: str) -> None:
    """Give the application role the password held in its own secret.

    What is sent is a SCRAM-SHA-256 verifier computed here by libpq (PQencryptPasswordConn),
    never the password: a plain password in ALTER ROLE would reach the server's statement
    log and pg_stat_activity. The algorithm is named so libpq asks the server nothing.
    """
    verifier = conn.pgconn.encrypt_password(password.encode(), APP_ROLE.encode(), b"scram-sha-256")
    # ALTER ROLE takes no bind parameters; the verifier is quoted as a literal instead.
    conn.execute(
        sql.SQL("ALTER ROLE {} WITH LOGIN PASSWORD {}").format(
            sql.Identifier(APP_ROLE), sql.Literal(verifier.decode("ascii"))
        )
    )


def applied_versions(conn: psycopg.Connection[Any]) -> list[int]:
    rows = conn.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()
    return [row[0] for row in rows]


def _lock(conn: psycopg.Connection[Any]) -> None:
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))


def _already_applied(conn: psycopg.Connection[Any], migration: Migration) -> bool:
    row = conn.execute(
        "SELECT checksum FROM schema_migrations WHERE version = %s", (migration.version,)
    ).fetchone()
    if row is None:
        return False
    if row[0] != migration.checksum:
        raise MigrationError(
            f"migration {migration.name} was changed after it was applied; "
            "add a new migration instead of editing an applied one"
        )
    return True
