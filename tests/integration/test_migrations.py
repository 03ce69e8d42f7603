"""The migration runner on real, empty databases."""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from pokedex.errors import MigrationError
from pokedex.migrate import Migration, applied_versions, load_migrations, migrate
from pokedex_local.dex import DEX_NUMBERS
from pokedex_local.tier import LocalTier

pytestmark = pytest.mark.integration

EXPECTED_COLUMNS = [
    ("dex_number", "integer", "NO"),
    ("name", "text", "NO"),
    ("type1", "text", "NO"),
    ("type2", "text", "YES"),
    ("hp", "smallint", "NO"),
    ("attack", "smallint", "NO"),
    ("defense", "smallint", "NO"),
    ("sp_attack", "smallint", "NO"),
    ("sp_defense", "smallint", "NO"),
    ("speed", "smallint", "NO"),
    ("height_m", "numeric", "NO"),
    ("weight_kg", "numeric", "NO"),
    ("generation", "smallint", "NO"),
    ("search_key", "text", "NO"),  # 0006: lower(unaccent(name)), kept by a trigger
]


@pytest.fixture
def empty_db(tier: LocalTier, owner_conn: psycopg.Connection[Any]) -> Iterator[str]:
    """The conninfo of a new, empty database, dropped afterwards."""
    name = f"mig_{uuid.uuid4().hex[:10]}"
    owner_conn.execute(f"CREATE DATABASE {name}".encode())
    yield dataclasses.replace(tier.postgres, dbname=name).conninfo()
    owner_conn.execute(f"DROP DATABASE {name} WITH (FORCE)".encode())


def connect(conninfo: str) -> psycopg.Connection[Any]:
    return psycopg.connect(conninfo, autocommit=True)


def test_from_empty_then_idempotent(empty_db: str) -> None:
    names = [m.name for m in load_migrations()]
    with connect(empty_db) as conn:
        assert migrate(conn) == names
        assert migrate(conn) == []
        assert applied_versions(conn) == [m.version for m in load_migrations()]
        assert conn.execute("SELECT count(*) FROM pokemon").fetchone() == (DEX_NUMBERS,)


def test_the_schema_is_the_expected_one(empty_db: str) -> None:
    with connect(empty_db) as conn:
        migrate(conn)
        columns = conn.execute(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns"
            " WHERE table_name = 'pokemon' ORDER BY ordinal_position"
        ).fetchall()
        assert columns == EXPECTED_COLUMNS
        view = conn.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_name = 'poke_data' ORDER BY ordinal_position"
        ).fetchall()
        assert [c for (c,) in view] == ["dex_number", "name", "type"]
        # the search key follows the name, on insert and on update
        key = conn.execute("SELECT search_key FROM pokemon WHERE dex_number = 669").fetchone()
        assert key == ("flabebe",)
        conn.execute("UPDATE pokemon SET name = 'Écho' WHERE dex_number = 669")
        key = conn.execute("SELECT search_key FROM pokemon WHERE dex_number = 669").fetchone()
        assert key == ("echo",)


@pytest.mark.parametrize(
    "values",
    [
        "(2000, 'Bad', 'Cosmic', NULL, 1, 1, 1, 1, 1, 1, 1, 1, 1)",  # unknown type
        "(2000, 'Bad', 'Fire', 'Fire', 1, 1, 1, 1, 1, 1, 1, 1, 1)",  # the same type twice
        "(0, 'Bad', 'Fire', NULL, 1, 1, 1, 1, 1, 1, 1, 1, 1)",  # not a positive number
        "(2000, 'Bad', 'Fire', NULL, 0, 1, 1, 1, 1, 1, 1, 1, 1)",  # a stat out of range
        "(2000, 'Bad', 'Fire', NULL, 1, 1, 1, 1, 1, 1, 1, 1, 10)",  # generation 10
        "(2000, 'Pikachu', 'Fire', NULL, 1, 1, 1, 1, 1, 1, 1, 1, 1)",  # a duplicate name
        "(25, 'Other', 'Fire', NULL, 1, 1, 1, 1, 1, 1, 1, 1, 1)",  # a duplicate number
    ],
)
def test_constraints_refuse_bad_rows(empty_db: str, values: str) -> None:
    with connect(empty_db) as conn:
        migrate(conn)
        with pytest.raises(psycopg.errors.IntegrityError):
            conn.execute(f"INSERT INTO pokemon VALUES {values}".encode())


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
