"""The application role's name is written once, in pokedex/function_spec.py; the Python
code imports it. SQL migrations cannot import, so this checks that every role they
create, alter, grant to or revoke from is that one (or PUBLIC)."""

from __future__ import annotations

import re

import pytest

from pokedex.function_spec import API_FUNCTION
from pokedex.migrate import APP_ROLE, load_migrations
from pokedex_local.tier.tier import APP_USER, LocalTier

# Where a migration names a role: the role's own statements, GRANT ... TO, REVOKE ... FROM,
# and the catalog lookup that makes CREATE ROLE idempotent.
ROLE_MENTIONS = (
    re.compile(r"\b(?:CREATE|ALTER|DROP)\s+ROLE\s+(\w+)", re.IGNORECASE),
    re.compile(r"\bGRANT\s[^;]*?\sTO\s+(\w+)", re.IGNORECASE),
    re.compile(r"\bREVOKE\s[^;]*?\sFROM\s+(\w+)", re.IGNORECASE),
    re.compile(r"\brolname\s*=\s*'(\w+)'", re.IGNORECASE),
)


def roles_named(sql: str) -> set[str]:
    text = re.sub(r"--[^\n]*", " ", sql)  # a comment may say anything
    return {name for pattern in ROLE_MENTIONS for name in pattern.findall(text)}


def test_the_python_side_reads_the_name_from_the_spec() -> None:
    assert APP_ROLE == APP_USER == LocalTier.app_user == API_FUNCTION.database_role


def test_every_role_the_migrations_name_is_the_specs() -> None:
    named = set().union(*(roles_named(m.sql) for m in load_migrations()))
    assert named - {"PUBLIC"} == {API_FUNCTION.database_role}


@pytest.mark.parametrize(
    "sql",
    [
        "GRANT SELECT ON pokemon TO someone_else;",
        "ALTER ROLE someone_else SET statement_timeout = 1;",
        "REVOKE TEMPORARY ON DATABASE x FROM someone_else;",
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'someone_else') THEN",
    ],
)
def test_a_migration_naming_another_role_would_be_seen(sql: str) -> None:
    assert "someone_else" in roles_named(sql)
