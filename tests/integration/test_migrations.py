"""The migration runner on real, empty databases. What the migrations build is compared
with the committed snapshot in test_schema_snapshot.py; here, how the runner behaves."""

from __future__ import annotations

import dataclasses
import threading

import psycopg
import pytest

from pokedex.errors import MigrationError
from pokedex.migrate import Migration, applied_versions, load_migrations, migrate
from pokedex_local.dex import DEX_NUMBERS
from tests.integration.conftest import connect

pytestmark = pytest.mark.integration


def test_from_empty_then_idempotent(empty_db: str) -> None:
    names = [m.name for m in load_migrations()]
    with connect(empty_db) as conn:
        assert migrate(conn) == names
        assert migrate(conn) == []
        assert applied_versions(conn) == [m.version for m in load_migrations()]
        assert conn.execute("SELECT count(*) FROM pokemon").fetchone() == (DEX_NUMBERS,)


def test_the_search_key_follows_the_name_on_insert_and_update(empty_db: str) -> None:
    with connect(empty_db) as conn:
        migrate(conn)
        key = conn.execute("SELECT search_key FROM pokemon WHERE dex_number = 669").fetchone()
        assert key == ("flabebe",)
        conn.execute("UPDATE pokemon SET name = 'Écho' WHERE dex_number = 669")
        key = conn.execute("SELECT search_key FROM pokemon WHERE dex_number = 669").fetchone()
        assert key == ("echo",)


def test_two_runners_at_once_apply_each_migration_once(empty_db: str) -> None:
    results: list[list[str]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def runner() -> None:
        try:
            with connect(empty_db) as conn:
                start.wait()
                results.append(migrate(conn))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results[0] + results[1]) == sorted(m.name for m in load_migrations())
    with connect(empty_db) as conn:
        assert conn.execute("SELECT count(*) FROM pokemon").fetchone() == (DEX_NUMBERS,)


def test_an_edited_applied_migration_is_refused(empty_db: str) -> None:
    with connect(empty_db) as conn:
        migrate(conn)
        edited = [dataclasses.replace(m, sql=m.sql + "\n-- edited") for m in load_migrations()]
        with pytest.raises(MigrationError, match=r"0001_create_pokemon\.sql was changed"):
            migrate(conn, migrations=edited)


def test_a_failing_migration_changes_nothing(empty_db: str) -> None:
    broken = [*load_migrations(), Migration(99, "0099_broken.sql", "CREATE TABLE t (id int); x;")]
    with connect(empty_db) as conn:
        with pytest.raises(psycopg.errors.SyntaxError):
            migrate(conn, migrations=broken)
        assert 99 not in applied_versions(conn)
        assert conn.execute("SELECT to_regclass('t')").fetchone() == (None,)
