"""The schema the migrations build, written as text: what `make schema` commits and what
tests/integration/test_schema_snapshot.py compares a freshly migrated database with.

Read from the catalogs rather than from pg_dump, so that the text is stable and reads as a
list of facts: tables with their columns (type, nullability, default), constraints,
indexes and triggers; views with their definitions; the project's functions; extensions;
and every grant, on the database, the schema and each object, with the attributes of the
roles that receive them. Everything is in a fixed order. What differs from one database to
the next is written as a placeholder: the database's name and the role that ran the
migrations (the owner) are not part of the schema.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path
from typing import Any

import psycopg

SNAPSHOT = Path(__file__).parents[2] / "tests" / "integration" / "schema_snapshot.txt"
REGENERATE = "make schema"
OWNER = "<owner>"
DESCRIPTION = "Write the schema the migrations build (make schema) as committed text."

_HEADER = f"""\
# The schema the migrations build, from the catalogs of a freshly migrated database.
# Written by `{REGENERATE}` (pokedex_local/schema_snapshot.py); do not edit by hand.
# tests/integration/test_schema_snapshot.py fails when the migrations build anything else.
"""

_RELATIONS = """
SELECT c.oid, c.relname, c.relkind FROM pg_class c
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
  AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
ORDER BY c.relname
"""
_COLUMNS = """
SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid)
FROM pg_attribute a LEFT JOIN pg_attrdef d ON (d.adrelid, d.adnum) = (a.attrelid, a.attnum)
WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
"""
_CONSTRAINTS = """
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s
ORDER BY conname
"""
_INDEXES = """
SELECT c.relname, pg_get_indexdef(i.indexrelid)
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s ORDER BY 1
"""
_TRIGGERS = """
SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s AND NOT tgisinternal
ORDER BY tgname
"""
_FUNCTIONS = """
SELECT p.oid, p.oid::regprocedure::text, pg_get_functiondef(p.oid) FROM pg_proc p
WHERE p.pronamespace = 'public'::regnamespace
  AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
ORDER BY 2
"""
_EXTENSIONS = """
SELECT e.extname, n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname <> 'plpgsql' ORDER BY 1
"""
# Grants as (grantee, privilege, grantable); an ACL never set is written as its default.
_ACL = """
SELECT coalesce(r.rolname, 'PUBLIC'), a.privilege_type, a.is_grantable
FROM (SELECT {acl} AS acl, {owner} AS owner {source}) o
CROSS JOIN LATERAL aclexplode(coalesce(o.acl, acldefault('{kind}', o.owner))) a
LEFT JOIN pg_roles r ON r.oid = a.grantee
ORDER BY 1, 2
"""
_COLUMN_GRANTS = """
SELECT a.attname, coalesce(r.rolname, 'PUBLIC'), x.privilege_type, x.is_grantable
FROM pg_attribute a CROSS JOIN LATERAL aclexplode(a.attacl) x
LEFT JOIN pg_roles r ON r.oid = x.grantee
WHERE a.attrelid = %s AND a.attacl IS NOT NULL ORDER BY 1, 2, 3
"""
_ROLE = """
SELECT rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication,
       rolbypassrls, rolconnlimit, rolvaliduntil IS NOT NULL,
       (SELECT array_agg(s ORDER BY s) FROM pg_db_role_setting d, unnest(d.setconfig) s
        WHERE d.setrole = r.oid AND d.setdatabase IN (0, (SELECT oid FROM pg_database
                                                         WHERE datname = current_database()))),
       (SELECT array_agg(g.rolname ORDER BY g.rolname) FROM pg_auth_members m
        JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid)
FROM pg_roles r WHERE rolname = %s
"""
_ROLE_FLAGS = (
    "superuser", "inherit", "createrole", "createdb", "login", "replication", "bypassrls",
)  # fmt: skip
_KINDS = {"r": "table", "p": "table", "v": "view", "m": "materialized view", "S": "sequence"}


def describe(conn: psycopg.Connection[Any]) -> str:
    """The snapshot text of the database ``conn`` is connected to."""
    owner = conn.execute("SELECT current_user").fetchone()
    snapshot = _Snapshot(conn, owner[0] if owner else "")
    return snapshot.text()


class _Snapshot:
    def __init__(self, conn: psycopg.Connection[Any], owner: str) -> None:
        self._conn = conn
        self._owner = owner
        self._lines: list[str] = []
        self._grantees: set[str] = set()

    def text(self) -> str:
        self._grants("database", "datacl", "d", "datdba",
                     "FROM pg_database WHERE datname = current_database()")  # fmt: skip
        self._grants("schema public", "nspacl", "n", "nspowner",
                     "FROM pg_namespace WHERE nspname = 'public'")  # fmt: skip
        for name, schema in self._rows(_EXTENSIONS):
            self._lines += ["", f"extension {name} (schema {schema})"]
        for oid, name, kind in self._rows(_RELATIONS):
            self._relation(oid, name, kind)
        for oid, signature, definition in self._rows(_FUNCTIONS):
            self._lines += ["", f"function {signature}"]
            self._lines += [f"  {line}".rstrip() for line in definition.strip().splitlines()]
            self._grants(None, "proacl", "f", "proowner", f"FROM pg_proc WHERE oid = {oid}")
        # The roles the schema grants to; PostgreSQL's own (pg_*) are the same everywhere.
        roles = sorted(r for r in self._grantees - {"PUBLIC", OWNER} if not r.startswith("pg_"))
        for role in roles:
            self._role(role)
        return _HEADER + "\n".join(self._lines).lstrip("\n") + "\n"

    def _relation(self, oid: int, name: str, kind: str) -> None:
        self._lines += ["", f"{_KINDS[kind]} {name}"]
        for column, type_, not_null, default in self._rows(_COLUMNS, oid):
            line = f"  column {column} {type_}" + (" not null" if not_null else "")
            self._lines.append(line + (f" default {default}" if default is not None else ""))
        for constraint, definition in self._rows(_CONSTRAINTS, oid):
            self._lines.append(f"  constraint {constraint}: {definition}")
        for index, definition in self._rows(_INDEXES, oid):
            self._lines.append(f"  index {index}: {definition}")
        for trigger, definition in self._rows(_TRIGGERS, oid):
            self._lines.append(f"  trigger {trigger}: {definition}")
        if kind in ("v", "m"):
            row = self._conn.execute("SELECT pg_get_viewdef(%s, true)", (oid,)).fetchone()
            self._lines.append("  definition:")
            self._lines += [f"    {line.strip()}" for line in (row[0] if row else "").splitlines()]
        self._grants(None, "relacl", "r" if kind != "S" else "s", "relowner",
                     f"FROM pg_class WHERE oid = {oid}")  # fmt: skip
        column_grants = sorted(
            (column, self._grantee(grantee), privilege, grantable)
            for column, grantee, privilege, grantable in self._rows(_COLUMN_GRANTS, oid)
        )
        for column, grantee, privilege, grantable in column_grants:
            self._grant(f"{privilege} ({column})", grantee, grantable)

    def _grants(self, title: str | None, acl: str, kind: str, owner: str, source: str) -> None:
        """The privileges on one object (under ``title``, or the object just written)."""
        if title is not None:
            self._lines += ["", title]
        query = _ACL.format(acl=acl, kind=kind, owner=owner, source=source)
        # Sorted once the owner's name is replaced, so its name does not move its lines.
        grants = sorted(
            (self._grantee(grantee), privilege, grantable)
            for grantee, privilege, grantable in self._rows(query)
        )
        for grantee, privilege, grantable in grants:
            self._grant(privilege, grantee, grantable)

    def _grantee(self, role: str) -> str:
        return OWNER if role == self._owner else role

    def _grant(self, privilege: str, grantee: str, grantable: bool) -> None:
        self._grantees.add(grantee)
        option = " with grant option" if grantable else ""
        self._lines.append(f"  grant {privilege} to {grantee}{option}")

    def _role(self, role: str) -> None:
        row = self._conn.execute(_ROLE, (role,)).fetchone()
        if row is None:
            return
        *flags, limit, expires, settings, member_of = row
        self._lines += ["", f"role {role}"]
        attributes = [
            name if on else f"no{name}" for name, on in zip(_ROLE_FLAGS, flags, strict=True)
        ]
        self._lines.append("  " + " ".join(attributes))
        self._lines.append(f"  connection limit {limit}" + (", expires" if expires else ""))
        self._lines += [f"  set {setting}" for setting in settings or []]
        self._lines += [f"  member of {group}" for group in member_of or []]

    def _rows(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        return self._conn.execute(query.encode(), params or None).fetchall()


def fresh_snapshot() -> str:
    """The snapshot of a database migrated in a cluster of its own: roles are cluster-wide,
    so a shared cluster would show whatever else was done to them (a test's settings)."""
    from pokedex_local.tier import LocalTier  # needed here only, not by describe

    state = Path(tempfile.mkdtemp(prefix="pokedex-schema-"))
    state.chmod(0o711)  # reachable by the tier's service account, as in the tests
    try:
        with (
            LocalTier(state, migrate=True, supervise=False) as tier,
            psycopg.connect(tier.postgres.conninfo(), autocommit=True) as conn,
        ):
            return describe(conn)
    finally:
        shutil.rmtree(state, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--out", type=Path, default=SNAPSHOT, help=f"default: {SNAPSHOT}")
    args = parser.parse_args(argv)
    args.out.write_text(fresh_snapshot(), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
