"""The list's query: which parameters GET /poke_info accepts, checked, and its cursors.

Every parameter is optional; with none, the list is the original contract (every Pokémon)
and the query is the original one. A bad value or an unknown parameter is a 400 that names
it, before anything reaches the database. The cursor is opaque to clients: the last
dex_number of the page, versioned and base64url-encoded, for keyset pagination.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from pokedex.errors import BadRequest

TYPES = (
    "Normal", "Fire", "Water", "Grass", "Electric", "Ice", "Fighting", "Poison", "Ground",
    "Flying", "Psychic", "Bug", "Rock", "Ghost", "Dragon", "Dark", "Steel", "Fairy",
)  # fmt: skip
_TYPES_BY_KEY = {t.lower(): t for t in TYPES}
PARAMETERS = ("type", "generation", "q", "limit", "cursor")
MAX_LIMIT = 200
MAX_Q = 40  # no name is longer (the table's check)
_CURSOR_PREFIX = "v1:"
_DIGITS = re.compile(r"[0-9]{1,9}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class ListQuery:
    type: str | None = None  # as stored: "Fire"
    generation: int | None = None
    q: str | None = None
    limit: int | None = None
    after: int = 0  # the cursor: the last dex_number already returned

    @property
    def is_original(self) -> bool:
        return self == ListQuery()

    def next_link(self, path: str, last: int) -> str:
        """The relative URL of the page after the one that ended at ``last``."""
        params = {
            "type": self.type.lower() if self.type else None,
            "generation": self.generation,
            "q": self.q,
            "limit": self.limit,
            "cursor": encode_cursor(last),
        }
        return f"{path}?{urlencode({k: v for k, v in params.items() if v is not None})}"


def parse(params: dict[str, str] | None) -> ListQuery:
    params = params or {}
    unknown = sorted(set(params) - set(PARAMETERS))
    if unknown:
        raise BadRequest(
            f"unknown query parameter {unknown[0]!r}; accepted: {', '.join(PARAMETERS)}"
        )
    return ListQuery(
        type=_type(params.get("type")),
        generation=_bounded(params, "generation", 1, 9),
        q=_prefix(params.get("q")),
        limit=_bounded(params, "limit", 1, MAX_LIMIT),
        after=decode_cursor(params["cursor"]) if "cursor" in params else 0,
    )


def _type(raw: str | None) -> str | None:
    if raw is None:
        return None
    found = _TYPES_BY_KEY.get(raw.strip().lower())
    if found is None:
        raise BadRequest(f"type must be one of the 18 types (e.g. fire), got {raw[:40]!r}")
    return found


def _bounded(params: dict[str, str], name: str, low: int, high: int) -> int | None:
    raw = params.get(name)
    if raw is None:
        return None
    if not _DIGITS.fullmatch(raw) or not low <= int(raw) <= high:
        raise BadRequest(f"{name} must be an integer from {low} to {high}, got {raw[:40]!r}")
    return int(raw)


def _prefix(raw: str | None) -> str | None:
    if raw is None:
        return None
    # No name has a control character, and PostgreSQL text cannot hold a NUL at all
    # (schemathesis found that one: it was a 500).
    if _CONTROL.search(raw) or not raw.strip(" ") or len(raw) > MAX_Q:
        raise BadRequest(
            f"q must be 1 to {MAX_Q} characters of a name, without control characters, "
            f"got {raw[:40]!r}"
        )
    return raw.strip(" ")


def encode_cursor(last: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{last}".encode()).decode().rstrip("=")


def decode_cursor(raw: str) -> int:
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    value = text.removeprefix(_CURSOR_PREFIX)
    if not text.startswith(_CURSOR_PREFIX) or not _DIGITS.fullmatch(value):
        raise BadRequest("cursor is not one this API gave out (use the Link header's URL)")
    return int(value)
