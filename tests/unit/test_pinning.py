"""The pinning detector on sample statements and a sample PostgreSQL log: no server."""

from __future__ import annotations

import pytest

from pokedex.migrate import load_migrations
from pokedex_local.pinning import MAX_STATEMENT_BYTES, triggers
from pokedex_local.statement_log import findings, statements

PINNING = [
    "SET search_path TO public",
    "set LOCAL statement_timeout = 5",
    "RESET ALL",
    "SELECT set_config('search_path', 'public', false)",
    "PREPARE q AS SELECT 1",
    "EXECUTE q",
    "DEALLOCATE ALL",
    "DISCARD ALL",
    "CREATE TEMP TABLE t (x int)",
    "create temporary sequence s",
    "CREATE OR REPLACE TEMP VIEW v AS SELECT 1",
    "SELECT * INTO TEMP t FROM pokemon",
    "DECLARE c CURSOR WITH HOLD FOR SELECT 1",
    "LISTEN pokedex",
    "LOAD 'auto_explain'",
    "SELECT nextval('s')",
    "SELECT setval('s', 1)",
    "SELECT pg_advisory_lock(1)",
    "SELECT pg_try_advisory_lock(1)",
    "SELECT pg_advisory_lock_shared(1)",
    "SELECT 1; SET TIME ZONE 'UTC'",
    "/* a comment */ SET application_name = 'x'",
]
SAFE = [
    "SELECT name, type FROM pokemon WHERE dex_number = $1",
    "SELECT pg_advisory_xact_lock(1)",
    "SELECT pg_try_advisory_xact_lock(1)",
    "BEGIN",
    "COMMIT",
    "SELECT 'SET search_path TO x; nextval(1)' AS text_not_sql",
    "-- SET search_path\nSELECT 1",
    "UPDATE settings SET value = 1",  # SET inside UPDATE is not the SET command
    "SELECT $$ LISTEN x $$",
]


@pytest.mark.parametrize("statement", PINNING)
def test_each_trigger_is_caught(statement: str) -> None:
    assert triggers(statement) != []


@pytest.mark.parametrize("statement", SAFE)
def test_safe_statements_pass(statement: str) -> None:
    assert triggers(statement) == []


def test_statements_over_16_kb_pin() -> None:
    padding = " " * (MAX_STATEMENT_BYTES - len("SELECT 1"))
    assert triggers("SELECT 1" + padding) == []
    assert triggers("SELECT 1 " + padding) == [f"statement over {MAX_STATEMENT_BYTES} bytes"]


LOG = """\
2026-11-29 14:50:00.100 UTC [101] LOG:  statement: BEGIN
2026-11-29 14:50:00.101 UTC [101] LOG:  execute <unnamed>: SELECT name
\tFROM pokemon
\tWHERE dex_number = $1
2026-11-29 14:50:00.101 UTC [101] DETAIL:  parameters: $1 = '25'
2026-11-29 14:50:00.102 UTC [101] LOG:  execute _pg3_0: SELECT 1
2026-11-29 14:50:00.103 UTC [102] LOG:  statement: SET search_path TO public
2026-11-29 14:50:00.103 UTC [104] LOG:  statement: SET application_name='pgbench';
2026-11-29 14:50:00.103 UTC [104] LOG:  statement: SET application_name = 'mine';
2026-11-29 14:50:00.104 UTC [103] ERROR:  relation "x" does not exist
2026-11-29 14:50:00.104 UTC [103] STATEMENT:  SET search_path TO x
2026-11-29 14:50:00.105 UTC [103] LOG:  checkpoint starting: time
"""


def test_the_log_is_read_statement_by_statement() -> None:
    assert statements(LOG) == [
        ("BEGIN", None),
        ("SELECT name\nFROM pokemon\nWHERE dex_number = $1", "<unnamed>"),
        ("SELECT 1", "_pg3_0"),
        ("SET search_path TO public", None),
        ("SET application_name='pgbench';", None),
        ("SET application_name = 'mine';", None),
    ]


def test_findings_include_protocol_level_prepared_statements() -> None:
    # An error's STATEMENT line is not a statement the role sent with logging on (it may
    # be anyone's): only LOG statement/execute entries count.
    assert [(f.statement, f.reasons) for f in findings(LOG)] == [
        ("SELECT 1", ("protocol-level prepared statement _pg3_0",)),
        ("SET search_path TO public", ("SET/RESET of a parameter",)),
        # PgBouncer's own parameter sync (its exact form) is not the client's; any other
        # form of the same SET is
        ("SET application_name = 'mine';", ("SET/RESET of a parameter",)),
    ]


def test_of_the_migrations_only_the_seed_would_pin_and_only_for_its_size() -> None:
    # README and infra/monitoring.py say so: the runner's lock (pg_advisory_xact_lock) does
    # not pin, the seed migration's one statement is over 16 KB and pins the first deploy's
    # runner session. A migration that pinned otherwise would need them rewritten.
    pinning = {m.name: triggers(m.sql) for m in load_migrations() if triggers(m.sql)}
    assert pinning == {"0002_seed_pokemon.sql": [f"statement over {MAX_STATEMENT_BYTES} bytes"]}
    assert triggers("SELECT pg_advisory_xact_lock(1)") == []
