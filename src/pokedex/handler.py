"""The Lambda entry point for API Gateway HTTP API events (payload format 2.0).

Module init does no I/O: the settings, the secret and the database connection are set up
on the first invocation and then kept for the life of the execution environment. A
database that is down therefore costs one failed request (503), not a crashed cold start.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from pokedex import http, listing, pokemon, teams
from pokedex.db import DatabaseClient, Runner
from pokedex.errors import BadRequest, PokedexError
from pokedex.observability import configure_logging, log_info_line
from pokedex.reads import ReadRouting
from pokedex.secrets import SecretCache, SecretsManagerClient
from pokedex.settings import Settings

logger = configure_logging()


class HandlerState:
    """What one execution environment keeps between invocations.

    ``db`` is the writer (the proxy's read/write endpoint): writes, and the reads that must
    see them (a caller's teams). ``reads`` serves the Pokédex reads, which no request of
    this API changes: a read-only endpoint when one is configured, else the writer.
    """

    def __init__(
        self, db: DatabaseClient, secret: SecretCache | None = None, reads: Runner | None = None
    ) -> None:
        self.db = db
        self.secret = secret
        self.reads: Runner = reads or db

    @classmethod
    def from_env(cls) -> HandlerState:
        settings = Settings.from_env()
        secret = SecretCache(settings.secret_id, SecretsManagerClient().get_secret_string)
        db = DatabaseClient(settings, secret)
        reader = settings.for_reads()
        if reader is None:
            return cls(db, secret)
        # The reader is not retried: the writer serves a read it cannot (pokedex/reads.py).
        return cls(db, secret, ReadRouting(DatabaseClient(reader, secret, retry_budget_s=0.0), db))


def _list_pokemon(app: HandlerState, request: http.Request) -> http.Reply:
    wanted = listing.parse(request.query)
    page = pokemon.search_pokemon(app.reads, wanted)
    if page.next_after is None:
        return http.Reply(page.body)
    link = wanted.next_link("/poke_info", page.next_after)
    return http.Reply(page.body, {"link": f'<{link}>; rel="next"'})


def _get_pokemon(app: HandlerState, request: http.Request) -> http.Reply:
    # Query parameters are ignored here, as they always were (a cache-busting "?_=1").
    dex_number = pokemon.parse_dex_number(request.path["dex_number"])
    return http.Reply(pokemon.get_pokemon(app.reads, dex_number))


def _list_types(app: HandlerState, request: http.Request) -> http.Reply:
    _no_parameters(request)
    return http.Reply(pokemon.list_types(app.reads))


def _create_team(app: HandlerState, request: http.Request) -> http.Reply:
    _no_parameters(request)
    owner = request.caller
    team = teams.parse_team(request.body, request.headers.get("content-type"))
    key = teams.parse_idempotency_key(request.headers.get("idempotency-key"))
    saved = teams.create_team(app.db, owner, team, key)
    headers = {"location": saved.location} if saved.location else {}
    if saved.replayed:
        headers["idempotent-replayed"] = "true"
    return _team_reply(saved, headers)


def _list_teams(app: HandlerState, request: http.Request) -> http.Reply:
    _no_parameters(request)
    return http.Reply(teams.list_teams(app.db, request.caller), cache_control=http.PRIVATE)


def _get_team(app: HandlerState, request: http.Request) -> http.Reply:
    _no_parameters(request)
    team_id = teams.parse_team_id(request.path["team_id"])
    return _team_reply(teams.get_team(app.db, request.caller, team_id))


def _replace_team(app: HandlerState, request: http.Request) -> http.Reply:
    _no_parameters(request)
    owner = request.caller
    team_id = teams.parse_team_id(request.path["team_id"])
    team = teams.parse_team(request.body, request.headers.get("content-type"))
    expected = teams.parse_if_match(request.headers.get("if-match"), required=True)
    return _team_reply(teams.replace_team(app.db, owner, team_id, team, expected))


def _delete_team(app: HandlerState, request: http.Request) -> http.Reply:
    _no_parameters(request)
    owner = request.caller
    team_id = teams.parse_team_id(request.path["team_id"])
    expected = teams.parse_if_match(request.headers.get("if-match"), required=False)
    teams.delete_team(app.db, owner, team_id, expected)
    return http.Reply(None, status=204)


def _team_reply(saved: teams.Saved, headers: dict[str, str] | None = None) -> http.Reply:
    return http.Reply(
        saved.body,
        headers or {},
        status=saved.status,
        etag=teams.etag(saved.version),
        cache_control=http.PRIVATE,
    )


def _no_parameters(request: http.Request) -> None:
    if request.query:
        raise BadRequest(
            f"unknown query parameter {sorted(request.query)[0]!r}; this route takes none"
        )


# One function per operation of the route table: (app, request) → reply.
Operation = Callable[[HandlerState, http.Request], http.Reply]
OPERATIONS: dict[str, Operation] = {
    "list_pokemon": _list_pokemon,
    "get_pokemon": _get_pokemon,
    "list_types": _list_types,
    "create_team": _create_team,
    "list_teams": _list_teams,
    "get_team": _get_team,
    "replace_team": _replace_team,
    "delete_team": _delete_team,
}


_app: HandlerState | None = None


def _current_app() -> HandlerState:
    global _app
    if _app is None:
        _app = HandlerState.from_env()
    return _app


def handle(
    app_factory: Callable[[], HandlerState],
    event: dict[str, Any],
    request_id: str,
    remaining_ms: Callable[[], int] | None = None,
) -> dict[str, Any]:
    """Answer one event; every outcome is a payload 2.0 response and one log line.

    ``remaining_ms`` is the Lambda context's clock: the database layer stops retrying in
    time to answer before the function's timeout would kill the environment.
    """
    started = time.perf_counter()
    route_key = None
    try:
        route, params = http.route_of(event)
        route_key = route.route_key
        app = app_factory()
        remaining_s = remaining_ms() / 1000 if remaining_ms is not None else None
        app.db.begin(remaining_s)
        if app.reads is not app.db:
            app.reads.begin(remaining_s)
        request = http.request_of(event, params)
        reply = OPERATIONS[route.operation](app, request)
        response = http.ok(reply, request.headers, request.method)
    except PokedexError as exc:
        level = logging.ERROR if exc.status >= 500 else logging.INFO
        logger.log(level, "request failed: %s", exc.message, exc_info=exc.status >= 500)
        response = http.error(exc)
    except Exception:
        # A bug: the log gets the traceback, the client a body that reveals nothing.
        logger.exception("unhandled error")
        response = http.error(PokedexError())
    log_info_line(
        logger,
        "request",
        {
            "route": route_key,
            "path": event.get("rawPath") if isinstance(event, dict) else None,
            "status": response["statusCode"],
            "duration_ms": round((time.perf_counter() - started) * 1000, 3),
            "request_id": request_id,
            # The API's id for the same request, the one its access log records: the key
            # from an access-log line to this line.
            "api_request_id": _api_request_id(event),
        },
    )
    return response


def _api_request_id(event: Any) -> str | None:
    """requestContext.requestId, or None for an event that is not an API's."""
    context = event.get("requestContext") if isinstance(event, dict) else None
    found = context.get("requestId") if isinstance(context, dict) else None
    return found if isinstance(found, str) else None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle(
        _current_app,
        event,
        getattr(context, "aws_request_id", "-"),
        getattr(context, "get_remaining_time_in_millis", None),
    )
