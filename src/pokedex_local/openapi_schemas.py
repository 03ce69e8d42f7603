"""The JSON Schemas of what the API's operations take and answer, for openapi.py.

Each states what the code accepts or returns (the module named in its comment), so that
schemathesis, which generates requests from them, finds a difference as a failure.
"""

from __future__ import annotations

from typing import Any

from pokedex import teams
from pokedex_local.dex import DEX_NUMBERS

MESSAGE = {
    "type": "object",
    "required": ["message"],
    "properties": {"message": {"type": "string"}},
}
SUMMARY_FIELDS: dict[str, Any] = {
    "dex_number": {"type": "integer", "minimum": 1},
    "name": {"type": "string"},
    "type": {"type": "string", "description": "the types joined with '/'"},
}
SUMMARY = {"type": "object", "required": list(SUMMARY_FIELDS), "properties": SUMMARY_FIELDS}
STAT = {"type": "integer", "minimum": 1}
TYPE_COUNT = {
    "type": "object",
    "required": ["type", "count"],
    "properties": {"type": {"type": "string"}, "count": {"type": "integer", "minimum": 1}},
}
POKEMON = {
    "type": "object",
    "required": [*SUMMARY_FIELDS, "types", "base_stats", "height_m", "weight_kg",
                 "generation"],
    "properties": {
        **SUMMARY_FIELDS,
        "types": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 2},
        "base_stats": {
            "type": "object",
            "required": ["hp", "attack", "defense", "sp_attack", "sp_defense", "speed", "total"],
            "properties": {k: STAT for k in
                           ("hp", "attack", "defense", "sp_attack", "sp_defense", "speed",
                            "total")},
        },
        "height_m": {"type": "number"},
        "weight_kg": {"type": "number"},
        "generation": {"type": "integer", "minimum": 1, "maximum": 9},
    },
}  # fmt: skip


# teams._name: no control character (Unicode's Cc), and not only spaces.
NAME_PATTERN = (
    "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f]"
    "[^\\u0000-\\u001f\\u007f-\\u009f]*$"
)
TEAM_NAME = {
    "type": "string",
    "minLength": 1,
    "maxLength": teams.MAX_NAME,
    "pattern": NAME_PATTERN,
}
MEMBERS = {
    "type": "array",
    "minItems": 1,
    "maxItems": teams.MAX_MEMBERS,
    "items": {"type": "integer", "minimum": 1, "maximum": DEX_NUMBERS},
    "description": "dex numbers of existing Pokémon; repeats allowed",
}
TEAM_INPUT = {
    "type": "object",
    "required": ["name", "members"],
    "additionalProperties": False,
    "properties": {"name": TEAM_NAME, "members": MEMBERS},
}
TEAM = {
    "type": "object",
    "required": ["id", "name", "members", "owner", "version"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "name": TEAM_NAME,
        "members": MEMBERS,
        "owner": {"type": "string", "description": "the token's sub claim"},
        "version": {"type": "integer", "minimum": 1, "description": 'its ETag is "v<version>"'},
    },
}
