"""The API's OpenAPI 3.1 document, generated from the route table (pokedex/routes.py).

The routes come from the table, so a route added there without a description here fails
the build (``document`` raises); what each operation answers is described here, next to
nothing else, and checked against the running API by schemathesis in `make test`. The
document is committed (docs/openapi.json, `make openapi` rewrites it, a test keeps it
current) and served by the local gateway at /__local/openapi.json.

    python -m pokedex_local.openapi [--out docs/openapi.json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pokedex import listing, teams
from pokedex.routes import ROUTES, Route
from pokedex_local import openapi_schemas as schemas

# What --help says: a constant, since python -OO strips docstrings.
DESCRIPTION = "The API's OpenAPI 3.1 document, generated from the route table (pokedex/routes.py)."

DEFAULT_OUT = Path("docs/openapi.json")


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


# Answers every route can give: the gateway's own, and the function's when the database
# is unavailable (503 with Retry-After).
_COMMON = {
    "404": _json("no route (the gateway) or no such Pokémon", schemas.MESSAGE),
    "503": _json("the database is unavailable for now; retry", schemas.MESSAGE),
}
_CACHING = {
    "ETag": {"schema": {"type": "string"}, "required": True},
    "Cache-Control": {"schema": {"type": "string"}, "required": True},
}
_NOT_MODIFIED = {"description": "If-None-Match named the current ETag", "headers": _CACHING}
_TEAM_HEADERS = {
    "ETag": {"schema": {"type": "string", "pattern": '^"v[0-9]+"$'}, "required": True},
    "Cache-Control": {"schema": {"type": "string"}, "required": True},
}
_UNAUTHORIZED = {
    "description": "no valid bearer token (API Gateway's JWT authorizer, before the function)",
    "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
    "content": {"application/json": {"schema": schemas.MESSAGE}},
}
# This API's ETags for a team, or "*"; anything else matches no version (412).
_IF_MATCH = '^("v[1-9][0-9]{0,8}"|\\*)$'
_TEAM_BODY = {"required": True, "content": {"application/json": {"schema": schemas.TEAM_INPUT}}}
_IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
}
_TYPE_NAMES = [*listing.TYPES, *(t.lower() for t in listing.TYPES)]
_LIMIT = "^([1-9]|[1-9][0-9]|1[0-9][0-9]|200)$"
# listing._prefix: no control character, and not only spaces.
_Q_PATTERN = "^[^\\u0000-\\u001f\\u007f]*[^\\u0000-\\u001f\\u007f ][^\\u0000-\\u001f\\u007f]*$"


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


OPERATIONS: dict[str, dict[str, Any]] = {
    "list_pokemon": {
        "summary": "Every Pokémon, ordered by dex_number (the original contract without "
                   "parameters); filtered and paged with them",
        "parameters": [
            _query("type", {"type": "string", "enum": _TYPE_NAMES},
                   "either of the Pokémon's types, any case"),
            _query("generation", {"type": "string", "pattern": "^[1-9]$"}, "1 to 9"),
            _query("q", {"type": "string", "minLength": 1, "maxLength": listing.MAX_Q,
                         "pattern": _Q_PATTERN},
                   "a name prefix, case- and accent-insensitive"),
            _query("limit", {"type": "string", "pattern": _LIMIT},
                   "page size, 1 to 200; the next page is in the Link header"),
            _IF_NONE_MATCH,
        ],
        "responses": {
            "200": {**_json("the list (or a page of it)",
                            {"type": "array", "items": schemas.SUMMARY}),
                    "headers": {**_CACHING, "Link": {"schema": {"type": "string"},
                                                     "description": '<...>; rel="next"'}}},
            "304": _NOT_MODIFIED,
            "400": _json("a parameter is unknown or has a bad value (the message names it)",
                         schemas.MESSAGE),
        },
    },
    "get_pokemon": {
        "summary": "One Pokémon with its stats",
        "parameters": [_IF_NONE_MATCH],
        "responses": {
            "200": {**_json("the Pokémon", schemas.POKEMON), "headers": _CACHING},
            "304": _NOT_MODIFIED,
            "400": _json("dex_number is not a positive integer (or the path is malformed)",
                         schemas.MESSAGE),
        },
    },
    "list_types": {
        "summary": "The 18 types with how many Pokémon have each",
        "parameters": [_IF_NONE_MATCH],
        "responses": {
            "200": {**_json("the types, by name", {"type": "array", "minItems": 18,
                            "maxItems": 18, "items": schemas.TYPE_COUNT}), "headers": _CACHING},
            "304": _NOT_MODIFIED,
            "400": _json("a query parameter was given (this route takes none)", schemas.MESSAGE),
        },
    },
    "create_team": {
        "summary": "A new team for the caller",
        "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False,
                        "schema": {"type": "string", "minLength": 1,
                                   "maxLength": teams.MAX_KEY,
                                   "pattern": "^[\\x21-\\x7e]+$"},
                        "description": "a retry with the same key and body gets the first "
                                       "answer and writes nothing (24 hours)"}],
        "requestBody": _TEAM_BODY,
        "responses": {
            "201": {**_json("the team", schemas.TEAM),
                    "headers": {**_TEAM_HEADERS,
                                "Location": {"schema": {"type": "string"}, "required": True},
                                "Idempotent-Replayed": {"schema": {"type": "string"}}}},
            "400": _json("the body or a header is invalid (the message names it)", schemas.MESSAGE),
            "401": _UNAUTHORIZED,
            "415": _json("the body is not JSON", schemas.MESSAGE),
            "422": _json("the Idempotency-Key was used with another body", schemas.MESSAGE),
        },
    },
    "list_teams": {
        "summary": "The caller's teams, oldest first",
        "parameters": [_IF_NONE_MATCH],
        "responses": {
            "200": {**_json("the teams", {"type": "array", "items": schemas.TEAM}),
                    "headers": _CACHING},
            "304": _NOT_MODIFIED,
            "400": _json("a query parameter was given (this route takes none)", schemas.MESSAGE),
            "401": _UNAUTHORIZED,
        },
    },
    "get_team": {
        "summary": "One of the caller's teams (another user's is not found)",
        "parameters": [_IF_NONE_MATCH],
        "responses": {
            "200": {**_json("the team", schemas.TEAM), "headers": _TEAM_HEADERS},
            "304": _NOT_MODIFIED,
            "400": _json("team_id is not a UUID, or a query parameter was given", schemas.MESSAGE),
            "401": _UNAUTHORIZED,
        },
    },
    "replace_team": {
        "summary": "Replace a team's name and members, if it is still the version in If-Match",
        "parameters": [{"name": "If-Match", "in": "header", "required": True,
                        "schema": {"type": "string", "pattern": _IF_MATCH},
                        "description": 'the ETag of the version being replaced ("v<version>")'
                                       ' or "*": 412 unless it names the current version, 428 '
                                       "without it"}],
        "requestBody": _TEAM_BODY,
        "responses": {
            "200": {**_json("the team, one version on", schemas.TEAM), "headers": _TEAM_HEADERS},
            "400": _json("the body, team_id or a header is invalid", schemas.MESSAGE),
            "401": _UNAUTHORIZED,
            "412": _json("the team has changed since that version", schemas.MESSAGE),
            "415": _json("the body is not JSON", schemas.MESSAGE),
            "428": _json("If-Match is missing (Precondition Required, RFC 6585)", schemas.MESSAGE),
        },
    },
    "delete_team": {
        "summary": "Delete a team (if If-Match is given, only at that version)",
        "parameters": [{"name": "If-Match", "in": "header", "required": False,
                        "schema": {"type": "string", "pattern": _IF_MATCH},
                        "description": 'an ETag ("v<version>") or "*": 412 unless it names '
                                       "the current version"}],
        "responses": {
            "204": {"description": "deleted"},
            "400": _json("team_id is not a UUID, or a query parameter was given", schemas.MESSAGE),
            "401": _UNAUTHORIZED,
            "412": _json("the team has changed since that version", schemas.MESSAGE),
        },
    },
}  # fmt: skip


def document(routes: Sequence[Route] = ROUTES) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        entry = paths.setdefault(route.path, {})
        parameters = [_path_parameter(name) for name in re.findall(r"\{(\w+)\+?\}", route.path)]
        if parameters:
            entry["parameters"] = parameters
        if route.operation == "method_not_allowed":
            # Not operations: any other method gets 405 and Allow, which is what a client
            # (and schemathesis's unsupported_method check) expects of undocumented ones.
            continue
        if route.operation not in OPERATIONS:
            raise KeyError(f"route {route.route_key}: operation {route.operation!r} is not "
                           "described in pokedex_local/openapi.py")  # fmt: skip
        described = OPERATIONS[route.operation]
        operation = {
            "operationId": route.operation,
            "summary": described["summary"],
            "parameters": described.get("parameters", []),
            "responses": {**_COMMON, **described["responses"]},
        }
        if "requestBody" in described:
            operation["requestBody"] = described["requestBody"]
        if route.auth:
            operation["security"] = [{"jwt": []}]
        entry[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Proxied Pokédex",
            "version": "1",
            "description": "API Gateway HTTP API → Lambda → RDS Proxy → PostgreSQL. Generated "
            "from pokedex/routes.py by pokedex_local/openapi.py.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "jwt": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "API Gateway's JWT authorizer: a Cognito (or configured "
                    "OIDC) token; locally `make token USER=<name>`",
                }
            }
        },
    }


# What a path parameter accepts; anything else is a 400 (described as such).
PARAMETERS: dict[str, dict[str, Any]] = {
    # pokemon.parse_dex_number: up to 18 digits, not all zeros (schemathesis found that a
    # looser pattern promised more than the handler accepts).
    "dex_number": {"type": "string", "pattern": "^0{0,17}[1-9][0-9]{0,17}$", "maxLength": 18,
                   "description": "a positive integer of at most 18 digits"},
    "team_id": {"type": "string", "format": "uuid", "description": "a team's id"},
}  # fmt: skip


def _path_parameter(name: str) -> dict[str, Any]:
    schema = PARAMETERS.get(name, {"type": "string"})
    return {"name": name, "in": "path", "required": True, "schema": schema}


def render(routes: Sequence[Route] = ROUTES) -> str:
    return json.dumps(document(routes), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    args.out.write_text(render(), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
