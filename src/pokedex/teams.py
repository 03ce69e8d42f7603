"""The team use cases: a user's line-ups of one to six Pokémon, written through the proxy.

Every write is one transaction and sets no session state, so a pooling proxy can hand the
server connection to another client as soon as it commits (nothing pins). Teams are read
and written on the writer (``HandlerState.db``): a caller always sees their own last write, even
when the Pokédex reads go to a replica.

A team's ``version`` counts its writes; its ETag is ``"v<version>"``, which PUT must and
DELETE may send back in If-Match. POST honours an Idempotency-Key: the first answer is
recorded in the write's own transaction and replayed for a retry with the same key.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import psycopg

from pokedex.db import DatabaseClient, load_query
from pokedex.errors import (
    BadRequest,
    IdempotencyKeyReused,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    UnsupportedMediaType,
)
from pokedex.pokemon import MAX_DEX_NUMBER

_CREATE = load_query("team_create")
_CLAIM = load_query("team_request_claim")
_FIND = load_query("team_request_find")
_LIST = load_query("team_list")
_GET = load_query("team_get")
_REPLACE = load_query("team_replace")
_DELETE = load_query("team_delete")

MAX_MEMBERS = 6
MAX_NAME = 100
MAX_KEY = 255
_FIELDS = {"name", "members"}
_KEY = re.compile(rf"[\x21-\x7e]{{1,{MAX_KEY}}}")  # visible ASCII, as Stripe's keys are
_ETAG = re.compile(r'"v([1-9][0-9]{0,9})"')
T = TypeVar("T")


@dataclass(frozen=True)
class TeamInput:
    """A validated POST or PUT body."""

    name: str
    members: tuple[int, ...]

    @property
    def fingerprint(self) -> bytes:
        # Of the validated content, so spacing or key order does not make a request new.
        canonical = json.dumps([self.name, list(self.members)], ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).digest()


@dataclass(frozen=True)
class Saved:
    """A write's answer: the team's body and version, or a POST's recorded first answer."""

    status: int
    body: str
    version: int
    location: str | None = None
    replayed: bool = False


def etag(version: int) -> str:
    return f'"v{version}"'


def parse_team(body: str | None, content_type: str | None) -> TeamInput:
    """The body of POST /teams or PUT /teams/{id}, or a 400 naming what is wrong."""
    if content_type and not _is_json(content_type):
        raise UnsupportedMediaType(
            "the request body must be JSON (Content-Type: application/json), "
            f"not {content_type[:60]!r}"
        )
    if not body:
        raise BadRequest('the request body must be a JSON object: {"name": ..., "members": [...]}')
    try:
        document = json.loads(body)
    except ValueError:
        raise BadRequest("the request body is not valid JSON") from None
    if not isinstance(document, dict):
        raise BadRequest('the request body must be a JSON object: {"name": ..., "members": [...]}')
    unknown = sorted(set(document) - _FIELDS)
    if unknown:
        raise BadRequest(f"unknown field {unknown[0][:40]!r}; a team has name and members")
    return TeamInput(_name(document.get("name")), _members(document.get("members")))


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def _name(raw: Any) -> str:
    """The name as given, without surrounding spaces; stored as sent (no normalization, so
    what a client wrote is what it reads back)."""
    if not isinstance(raw, str) or not 1 <= len(raw) <= MAX_NAME:
        raise BadRequest(f"name must be a string of 1 to {MAX_NAME} characters")
    if any(unicodedata.category(c) == "Cc" for c in raw):
        raise BadRequest("name must not contain control characters")
    name = raw.strip()
    if not name:
        raise BadRequest("name must not be only spaces")
    return name


def _members(raw: Any) -> tuple[int, ...]:
    shape = f"members must be a list of 1 to {MAX_MEMBERS} dex numbers"
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_MEMBERS:
        raise BadRequest(shape)
    members = []
    for member in raw:
        # JSON has one number type: 25.0 is the integer 25 (as JSON Schema says). A bool
        # is an int in Python, and true is not a Pokémon.
        if isinstance(member, float) and member.is_integer():
            member = int(member)
        if not isinstance(member, int) or isinstance(member, bool) or member < 1:
            raise BadRequest(f"{shape}; {json.dumps(member)[:40]} is not a positive integer")
        if member > MAX_DEX_NUMBER:
            raise BadRequest(f"members: no Pokémon with dex_number {member}")
        members.append(member)
    return tuple(members)


def parse_team_id(raw: str) -> str:
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise BadRequest(f"team_id must be a team's id (a UUID), got {raw[:40]!r}") from None


def parse_if_match(raw: str | None, *, required: bool) -> int | None:
    """The version an If-Match names; None for "*" (any version) or, if allowed, no header."""
    if raw is None:
        if required:
            raise PreconditionRequired()
        return None
    value = raw.strip()
    if value == "*":
        return None
    found = _ETAG.fullmatch(value)
    if found is None:
        # Not one of this API's ETags (empty, weak, a list, made up): it matches no version
        # of the team, which HTTP answers with 412 (RFC 9110, 13.1.1); the message says
        # what an ETag of this API looks like.
        raise PreconditionFailed(
            f'If-Match {value[:40]!r} matches no version: a team\'s ETag is "v<version>"'
        )
    return int(found.group(1))


def parse_idempotency_key(raw: str | None) -> str | None:
    if raw is None:
        return None
    if not _KEY.fullmatch(raw):
        raise BadRequest(
            f"Idempotency-Key must be 1 to {MAX_KEY} visible ASCII characters (a UUID is usual)"
        )
    return raw


def create_team(db: DatabaseClient, owner: str, team: TeamInput, key: str | None) -> Saved:
    """POST /teams: a new team, or with a known Idempotency-Key the first answer again."""
    params = {"owner": owner, "name": team.name, "members": list(team.members), "key": key}

    def work(conn: psycopg.Connection[Any]) -> Saved:
        with conn.transaction():
            if key is not None:
                claim = {"owner": owner, "key": key, "fingerprint": team.fingerprint}
                if conn.execute(_CLAIM, claim).fetchone() is None:
                    return _replay(conn, owner, key, team)
            row = conn.execute(_CREATE, params).fetchone()
        assert row is not None  # an INSERT ... RETURNING of one row
        team_id, version, body = row
        return Saved(201, str(body), int(version), f"/teams/{team_id}")

    # With a key, a retry after a lost answer replays instead of writing twice.
    return _members_checked(lambda: db.run(work, idempotent=key is not None))


def _replay(conn: psycopg.Connection[Any], owner: str, key: str, team: TeamInput) -> Saved:
    found = conn.execute(_FIND, {"owner": owner, "key": key}).fetchone()
    assert found is not None  # claimed by a committed request: the claim saw it
    fingerprint, status, body, location = found
    if bytes(fingerprint) != team.fingerprint:
        raise IdempotencyKeyReused(
            f"Idempotency-Key {key[:40]!r} was used with a different request in the last 24 hours"
        )
    version = json.loads(body)["version"]
    return Saved(int(status), str(body), int(version), location, replayed=True)


def list_teams(db: DatabaseClient, owner: str) -> str:
    row = db.run(lambda conn: conn.execute(_LIST, {"owner": owner}).fetchone(), idempotent=True)
    assert row is not None  # an aggregate
    return str(row[0])


def get_team(db: DatabaseClient, owner: str, team_id: str) -> Saved:
    row = db.run(
        lambda conn: conn.execute(_GET, {"id": team_id, "owner": owner}).fetchone(),
        idempotent=True,
    )
    if row is None:
        raise NotFound(f"no team {team_id}")
    return Saved(200, str(row[1]), int(row[0]))


def replace_team(
    db: DatabaseClient, owner: str, team_id: str, team: TeamInput, expected: int | None
) -> Saved:
    params = {
        "id": team_id,
        "owner": owner,
        "name": team.name,
        "members": list(team.members),
        "expected": expected,
    }
    # Not idempotent: after a lost answer the version has moved, and a retry would be 412.
    row = _members_checked(lambda: db.run(lambda conn: conn.execute(_REPLACE, params).fetchone()))
    assert row is not None  # scalar subqueries: always one row
    found, version, body = row
    if found is None:
        raise NotFound(f"no team {team_id}")
    if version is None:
        raise PreconditionFailed(f"team {team_id} is at version {found}, not {expected}")
    return Saved(200, str(body), int(version))


def delete_team(db: DatabaseClient, owner: str, team_id: str, expected: int | None) -> None:
    params = {"id": team_id, "owner": owner, "expected": expected}
    row = db.run(lambda conn: conn.execute(_DELETE, params).fetchone())
    assert row is not None
    found, gone = row
    if found is None:
        raise NotFound(f"no team {team_id}")
    if not gone:
        raise PreconditionFailed(f"team {team_id} is at version {found}, not {expected}")


def _members_checked(write: Callable[[], T]) -> T:
    """Run ``write``; the database's member check (migration 0007) becomes a 400."""
    try:
        return write()
    except psycopg.errors.ForeignKeyViolation as exc:
        if exc.diag.message_hint != "team_members":
            raise
        raise BadRequest(f"members: {exc.diag.message_primary}") from None
