"""stack.json's endpoints become libpq strings that libpq reads back as written."""

from __future__ import annotations

from psycopg.conninfo import conninfo_to_dict

from pokedex_local.loadlab.stack import RunningStack

AWKWARD = "a b'c\\d="  # a space, a quote, a backslash and an equals sign


def stack_with(password: str) -> RunningStack:
    endpoint = {"host": "127.0.0.1", "port": 6432, "dbname": "pokedex", "user": "u x"}
    return RunningStack({"pgbouncer": {**endpoint, "password": password}})


def test_every_value_survives_libpqs_parser() -> None:
    parsed = conninfo_to_dict(stack_with(AWKWARD).conninfo("pgbouncer"))
    assert parsed == {
        "host": "127.0.0.1",
        "port": "6432",
        "dbname": "pokedex",
        "user": "u x",
        "password": AWKWARD,
        "sslmode": "require",
        "connect_timeout": "5",
    }


def test_another_database_on_the_same_endpoint() -> None:
    parsed = conninfo_to_dict(stack_with("p").conninfo("pgbouncer", dbname="pgbouncer"))
    assert parsed["dbname"] == "pgbouncer"
