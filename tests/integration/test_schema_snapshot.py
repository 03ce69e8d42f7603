"""The migrations build exactly the committed schema (schema_snapshot.txt, `make schema`)."""

from __future__ import annotations

import difflib

import pytest

from pokedex.migrate import migrate
from pokedex_local.schema_snapshot import REGENERATE, SNAPSHOT, describe, fresh_snapshot
from tests.integration.conftest import connect

pytestmark = pytest.mark.integration


def differences(expected: str, actual: str) -> str:
    lines = difflib.unified_diff(
        expected.splitlines(keepends=True),
        actual.splitlines(keepends=True),
        f"{SNAPSHOT.name} (committed)",
        "what the migrations build",
    )
    return "".join(lines)


def test_the_migrations_build_the_committed_schema() -> None:
    # In a new cluster, as `make schema` does: the other tests change the shared cluster's roles
    actual = fresh_snapshot()
    diff = differences(SNAPSHOT.read_text(encoding="utf-8"), actual)
    if diff:
        pytest.fail(
            f"The migrations no longer build the schema in {SNAPSHOT}.\n{diff}\n"
            f"If the change is intended, regenerate the snapshot with `{REGENERATE}` and "
            "commit it with the migration.",
            pytrace=False,
        )


# A change of each kind the snapshot must show, made after the migrations, and a line
# of the diff it must cause.
CHANGES = {
    "column type": ("ALTER TABLE pokemon ALTER COLUMN hp TYPE integer", "+  column hp integer"),
    "nullability": (
        "ALTER TABLE team_request ALTER COLUMN status SET NOT NULL",
        "+  column status smallint not null",
    ),
    "default": (
        "ALTER TABLE team ALTER COLUMN version SET DEFAULT 2",
        "+  column version integer not null default 2",
    ),
    "constraint": (
        "ALTER TABLE pokemon DROP CONSTRAINT pokemon_generation_check",
        "-  constraint pokemon_generation_check",
    ),
    "index": ("CREATE INDEX pokemon_by_type ON pokemon (type1)", "+  index pokemon_by_type"),
    "trigger": ("DROP TRIGGER pokemon_search_key ON pokemon", "-  trigger pokemon_search_key"),
    "grant": ("GRANT INSERT ON pokemon TO pokedex_app", "+  grant INSERT to pokedex_app"),
    "revoke on the database": (
        "DO $$ BEGIN EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO PUBLIC',"
        " current_database()); END $$",
        "+  grant TEMPORARY to PUBLIC",
    ),
    "view": (
        "CREATE OR REPLACE VIEW poke_data AS SELECT dex_number, name,"
        " concat_ws(' / ', type1, type2) AS type FROM pokemon",
        "+    concat_ws(' / '::text",
    ),
    "function": (
        "CREATE OR REPLACE FUNCTION team_members_exist() RETURNS trigger LANGUAGE plpgsql"
        " AS $$ BEGIN RETURN NEW; END $$",
        "-      unknown integer[];",
    ),
    "role setting": (
        "ALTER ROLE pokedex_app SET statement_timeout = 6000",
        "+  set statement_timeout=6000",
    ),
}


ROLE_TIMEOUT = """
SELECT split_part(s, '=', 2) FROM pg_db_role_setting, unnest(setconfig) s
WHERE setrole = 'pokedex_app'::regrole AND setdatabase = 0 AND s LIKE 'statement_timeout=%'
"""


@pytest.mark.parametrize("kind", CHANGES)
def test_a_change_of_each_kind_shows_in_the_snapshot(empty_db: str, kind: str) -> None:
    change, expected_line = CHANGES[kind]
    with connect(empty_db) as conn:
        migrate(conn)
        before = describe(conn)
        # The role is the cluster's, shared with every other database: put it back after.
        (timeout,) = conn.execute(ROLE_TIMEOUT).fetchone() or (None,)
        try:
            conn.execute(change.encode())
            after = describe(conn)
        finally:
            conn.execute(f"ALTER ROLE pokedex_app SET statement_timeout = '{timeout}'".encode())
    diff = differences(before, after)
    assert expected_line in diff, diff
