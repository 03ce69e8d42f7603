"""The use cases: each takes validated input and the database, and returns a JSON body."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pokedex.db import Runner, load_query
from pokedex.errors import BadRequest, NotFound
from pokedex.listing import ListQuery

_LIST = load_query("list_pokemon")
_SEARCH = load_query("search_pokemon")
_TYPES = load_query("list_types")
_GET = load_query("get_pokemon")
# Without a limit a filtered list is returned whole: more than there are Pokémon.
_ALL = 100_000
_DIGITS = re.compile(r"[0-9]{1,18}")
# The largest dex_number the column can hold (a PostgreSQL integer): above it, no Pokémon.
MAX_DEX_NUMBER = 2**31 - 1


def parse_dex_number(raw: str) -> int:
    """A path segment as a Pokédex number, or 400 for anything but a positive integer."""
    if not _DIGITS.fullmatch(raw) or int(raw) == 0:
        raise BadRequest(f"dex_number must be a positive integer, got {raw[:40]!r}")
    return int(raw)


def list_pokemon(db: Runner) -> str:
    body = db.run(lambda conn: conn.execute(_LIST).fetchone(), idempotent=True)
    assert body is not None  # an aggregate always returns one row
    return str(body[0])


@dataclass(frozen=True)
class Page:
    body: str  # a JSON array, as the original list's
    next_after: int | None  # the cursor of the next page, if there is one


def search_pokemon(db: Runner, query: ListQuery) -> Page:
    """The list, filtered and paged; without any parameter, the original list's query."""
    if query.is_original:
        return Page(list_pokemon(db), None)
    params = {
        "after": query.after,
        "type": query.type,
        "generation": query.generation,
        "q": query.q,
        "limit": query.limit or _ALL,
    }
    row = db.run(lambda conn: conn.execute(_SEARCH, params).fetchone(), idempotent=True)
    assert row is not None  # aggregates: always one row
    body, last, more = row
    return Page(str(body), int(last) if more and last is not None else None)


def list_types(db: Runner) -> str:
    row = db.run(lambda conn: conn.execute(_TYPES).fetchone(), idempotent=True)
    assert row is not None
    return str(row[0])


def get_pokemon(db: Runner, dex_number: int) -> str:
    if dex_number > MAX_DEX_NUMBER:
        raise NotFound(f"no Pokémon with dex_number {dex_number}")
    row = db.run(
        lambda conn: conn.execute(_GET, {"dex_number": dex_number}).fetchone(), idempotent=True
    )
    if row is None:
        raise NotFound(f"no Pokémon with dex_number {dex_number}")
    return str(row[0])
