"""The migrations shipped in the package, checked without a database."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from pokedex.migrate import load_migrations
from pokedex.routes import ROUTES

ROOT = Path(__file__).parents[2]


def test_migrations_are_numbered_without_gaps() -> None:
    versions = [m.version for m in load_migrations()]
    assert versions == list(range(1, len(versions) + 1))


def test_the_seed_migration_matches_the_csv() -> None:
    spec = importlib.util.spec_from_file_location("gen", ROOT / "scripts" / "generate_seed.py")
    assert spec is not None
    assert spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    committed = (ROOT / "src/pokedex/migrations/0002_seed_pokemon.sql").read_text("utf-8")
    assert committed == generator.render(), "run `make seed` after changing data/pokedex.csv"
    assert committed.count("\n    (") == 1025


def test_no_migration_or_query_uses_a_statement_that_pins_rds_proxy() -> None:
    # GUIDE §3: these pin a client to one database connection for the rest of the session.
    pinning = ("pg_advisory_lock(", "set_config(", "prepare ", "listen ", "declare ", "nextval(")
    files = list((ROOT / "src/pokedex/queries").glob("*.sql"))
    for path in files:
        text = path.read_text("utf-8").lower()
        assert not any(p in text for p in pinning), path
        assert "\nset " not in text, path
        assert not text.startswith("set "), path


def test_route_table_has_a_get_and_an_any_route_per_path() -> None:
    paths = {r.path for r in ROUTES}
    assert paths == {"/poke_info", "/poke_info/{dex_number}"}
    for path in paths:
        assert {r.method for r in ROUTES if r.path == path} == {"GET", "ANY"}
    assert ROUTES[1].match("/poke_info/25") == {"dex_number": "25"}
    assert ROUTES[1].match("/poke_info/25/x") is None
