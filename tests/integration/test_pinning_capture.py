"""The pinning detector catches a deliberately pinned session of the application role,
from PostgreSQL's own log.

The session goes straight to PostgreSQL: the role's setting applies to sessions started
after it, and PgBouncer may hand out a server connection that earlier tests opened before.
(The e2e and load-lab runs capture before the function's first connection.)"""

from __future__ import annotations

import psycopg
import pytest

from pokedex_local import statement_log
from pokedex_local.tier import LocalTier
from pokedex_local.tier.endpoint import Endpoint

pytestmark = pytest.mark.integration


def test_a_pinned_session_is_caught_and_a_clean_one_is_not(tier: LocalTier) -> None:
    # Given the application role's statements captured from here on
    statement_log.capture(tier.postgres.conninfo(), tier.app_user)
    log = statement_log.postgres_log(tier.describe())
    start = log.stat().st_size
    server = tier.postgres
    app = Endpoint(server.host, server.port, server.dbname, tier.app_user, tier.app_password)
    # When the application role runs what pins and what does not
    with psycopg.connect(
        app.conninfo(sslmode="require"), autocommit=True, prepare_threshold=None
    ) as conn:
        conn.execute("SELECT name FROM pokemon WHERE dex_number = %(n)s", {"n": 25})
        conn.execute("SELECT pg_advisory_xact_lock(1)")
        conn.execute("SET search_path TO public")
        conn.execute("SELECT pg_advisory_lock(1)")
        conn.execute("SELECT pg_advisory_unlock(1)")
    # Then exactly the two pinning statements are found
    found = statement_log.findings(statement_log.read_log(log, start))
    assert [(f.statement, f.reasons) for f in found] == [
        ("SET search_path TO public", ("SET/RESET of a parameter",)),
        ("SELECT pg_advisory_lock(1)", ("session advisory lock",)),
    ], statement_log.read_log(log, start)
