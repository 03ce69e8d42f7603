"""The application role's password reaches PostgreSQL as a SCRAM verifier, never in plain text."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from psycopg import pq, sql

from pokedex.migrate import APP_ROLE, set_app_password

PASSWORD = "N0tInTheStatement"


class RecordingConnection:
    """Just enough of a psycopg connection: a real (unconnected) libpq handle, a log."""

    def __init__(self) -> None:
        # libpq computes a verifier without a server when the algorithm is named.
        self.pgconn = pq.PGconn.connect_start(b"host=/nonexistent port=1")
        self.statements: list[str] = []

    def execute(self, query: sql.Composable, *_: Any) -> None:
        self.statements.append(query.as_string(None))


def _scram_matches(verifier: str, password: str) -> bool:
    """RFC 5802/7677: the stored and server keys derive from this password and salt."""
    mechanism, rest = verifier.split("$", 1)
    iterations_salt, keys = rest.split("$")
    iterations, salt = iterations_salt.split(":")
    stored_key, server_key = keys.split(":")
    salted = hashlib.pbkdf2_hmac(
        "sha256", password.encode(), base64.b64decode(salt), int(iterations)
    )
    client_key = hmac.digest(salted, b"Client Key", "sha256")
    return (
        mechanism == "SCRAM-SHA-256"
        and base64.b64decode(stored_key) == hashlib.sha256(client_key).digest()
        and base64.b64decode(server_key) == hmac.digest(salted, b"Server Key", "sha256")
    )


def test_alter_role_carries_a_scram_verifier_of_the_password_not_the_password() -> None:
    # Given a connection, When the runner sets the application role's password
    conn = RecordingConnection()
    set_app_password(conn, PASSWORD)  # type: ignore[arg-type]
    # Then one ALTER ROLE went out, without the password, with a verifier of it
    [statement] = conn.statements
    assert statement.startswith(f'ALTER ROLE "{APP_ROLE}" WITH LOGIN PASSWORD \'SCRAM-SHA-256$')
    assert PASSWORD not in statement
    verifier = statement.split("PASSWORD ", 1)[1].strip("'")
    assert _scram_matches(verifier, PASSWORD)
    assert not _scram_matches(verifier, PASSWORD + "x")


def test_each_run_salts_afresh() -> None:
    conn = RecordingConnection()
    set_app_password(conn, PASSWORD)  # type: ignore[arg-type]
    set_app_password(conn, PASSWORD)  # type: ignore[arg-type]
    assert conn.statements[0] != conn.statements[1]
