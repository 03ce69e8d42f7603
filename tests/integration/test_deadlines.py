"""The deadlines as the database and PgBouncer enforce them (pokedex/deadlines.py)."""

from __future__ import annotations

import dataclasses
from typing import Any

import psycopg
import pytest

from pokedex import deadlines
from pokedex_local.tier import LocalTier

pytestmark = pytest.mark.integration


def app_connection(tier: LocalTier) -> psycopg.Connection[Any]:
    app = dataclasses.replace(tier.pgbouncer, user=tier.app_user, password=tier.app_password)
    return psycopg.connect(app.conninfo(sslmode="require"), autocommit=True, prepare_threshold=None)


def test_the_app_role_carries_the_statement_timeout(owner_conn: psycopg.Connection[Any]) -> None:
    row = owner_conn.execute(
        "SELECT setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole"
        " WHERE r.rolname = %s AND s.setdatabase = 0",
        (LocalTier.app_user,),
    ).fetchone()
    assert row is not None
    assert f"statement_timeout={deadlines.STATEMENT_TIMEOUT_MS}" in row[0]


def test_a_query_stuck_past_the_deadline_is_cancelled_through_pgbouncer(tier: LocalTier) -> None:
    with app_connection(tier) as conn:
        assert conn.execute("SHOW statement_timeout").fetchone() == ("5s",)
        with pytest.raises(psycopg.errors.QueryCanceled):
            conn.execute("SELECT pg_sleep(%s)", (deadlines.STATEMENT_TIMEOUT_MS / 1000 + 1,))


def test_pgbouncer_borrow_timeout_and_login_retry(tier: LocalTier) -> None:
    admin = dataclasses.replace(tier.pgbouncer, dbname="pgbouncer")
    with psycopg.connect(admin.conninfo(sslmode="require"), autocommit=True) as conn:
        conn.prepare_threshold = None
        rows = {r[0]: r[1] for r in conn.execute("SHOW CONFIG").fetchall()}
    assert rows["query_wait_timeout"] == str(deadlines.BORROW_TIMEOUT_S)
    assert float(rows["server_login_retry"]) < 1
