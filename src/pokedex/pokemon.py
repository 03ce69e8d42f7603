"""The use cases: each takes validated input and the database, and returns a JSON body."""

from __future__ import annotations

import re

from pokedex.db import Database, load_query
from pokedex.errors import BadRequest, NotFound

_LIST = load_query("list_pokemon")
_GET = load_query("get_pokemon")
_DIGITS = re.compile(r"[0-9]{1,18}")
_MAX_INTEGER = 2**31 - 1  # the column is a PostgreSQL integer


def parse_dex_number(raw: str) -> int:
    """A path segment as a Pokédex number, or 400 for anything but a positive integer."""
    if not _DIGITS.fullmatch(raw) or int(raw) == 0:
        raise BadRequest(f"dex_number must be a positive integer, got {raw[:40]!r}")
    return int(raw)


def list_pokemon(db: Database) -> str:
    body = db.run(lambda conn: conn.execute(_LIST).fetchone(), idempotent=True)
    assert body is not None  # an aggregate always returns one row
    return str(body[0])


def get_pokemon(db: Database, dex_number: int) -> str:
    if dex_number > _MAX_INTEGER:
        raise NotFound(f"no Pokémon with dex_number {dex_number}")
    row = db.run(
        lambda conn: conn.execute(_GET, {"dex_number": dex_number}).fetchone(), idempotent=True
    )
    if row is None:
        raise NotFound(f"no Pokémon with dex_number {dex_number}")
    return str(row[0])
