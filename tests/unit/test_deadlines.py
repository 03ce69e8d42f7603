"""One set of deadlines: deadlines.py, the migration that sets the role's, PgBouncer's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pokedex import deadlines
from pokedex.migrate import APP_ROLE, load_migrations
from pokedex_local.tier import pgbouncer

ROOT = Path(__file__).parents[2]


def test_the_shipped_deadlines_nest() -> None:
    deadlines.check()


def test_a_borrow_longer_than_the_function_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deadlines, "BORROW_TIMEOUT_S", deadlines.FUNCTION_TIMEOUT_S)
    with pytest.raises(ValueError, match="before the function's timeout"):
        deadlines.check()


def test_the_migration_sets_the_app_roles_statement_timeout_from_deadlines() -> None:
    settings = [
        match
        for migration in load_migrations()
        for match in re.finditer(r"ALTER ROLE (\w+) SET statement_timeout = (\d+);", migration.sql)
    ]
    assert [(m[1], int(m[2])) for m in settings] == [(APP_ROLE, deadlines.STATEMENT_TIMEOUT_MS)]


def test_pgbouncer_waits_for_a_connection_as_long_as_the_proxy_borrows(tmp_path: Path) -> None:
    text = pgbouncer.render_config(
        port=1, pg_port=2, pool=3, cert_file=Path("c"), key_file=Path("k"), auth_file=Path("a")
    )
    assert f"query_wait_timeout = {deadlines.BORROW_TIMEOUT_S}\n" in text
    assert "server_login_retry = 0.2\n" in text
