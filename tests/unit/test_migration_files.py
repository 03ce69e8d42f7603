"""The migrations shipped in the package, checked without a database."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from pokedex.migrate import APP_ROLE, load_migrations
from pokedex.routes import ROUTES
from pokedex_local.dex import DEX_NUMBERS
from pokedex_local.tier.pgbouncer import pool_size

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
    assert committed.count("\n    (") == DEX_NUMBERS


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
    methods = {r.path: {m.method for m in ROUTES if m.path == r.path} for r in ROUTES}
    assert methods == {
        "/poke_info": {"GET", "ANY"},
        "/poke_info/{dex_number}": {"GET", "ANY"},
        "/types": {"GET", "ANY"},
        "/teams": {"GET", "POST", "ANY"},
        "/teams/{team_id}": {"GET", "PUT", "DELETE", "ANY"},
    }
    # Only the team routes are behind the authorizer, and never their 405 catch-alls.
    assert {r.route_key for r in ROUTES if r.auth} == {
        "POST /teams",
        "GET /teams",
        "GET /teams/{team_id}",
        "PUT /teams/{team_id}",
        "DELETE /teams/{team_id}",
    }
    assert ROUTES[1].match("/poke_info/25") == {"dex_number": "25"}
    assert ROUTES[1].match("/poke_info/25/x") is None


def test_the_app_role_loses_temp_and_gets_a_connection_limit() -> None:
    # Given the migrations, the latest word on the app role is the limits migration.
    [limits] = [m for m in load_migrations() if m.name == "0004_app_role_limits.sql"]
    text = " ".join(limits.sql.split())
    assert "REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC" in text
    assert f"REVOKE TEMPORARY ON DATABASE %I FROM {APP_ROLE}" in text
    limit = int(text.split(f"ALTER ROLE {APP_ROLE} CONNECTION LIMIT ", 1)[1].split(";")[0])
    # Never below what the local PgBouncer may open for it (RDS Proxy's defaults on a
    # 100-connection server): the limit must not refuse a login the pool is allowed.
    assert limit >= pool_size(max_connections=100, max_connections_percent=100)
