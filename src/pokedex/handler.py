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

from pokedex import http, listing, pokemon
from pokedex.db import Database, Runner
from pokedex.errors import BadRequest, PokedexError
from pokedex.observability import configure_logging
from pokedex.reads import ReadRouting
from pokedex.secrets import SecretCache, SecretsManagerClient
from pokedex.settings import Settings

logger = configure_logging()


class App:
    """What one execution environment keeps between invocations.

    ``db`` is the writer (the proxy's read/write endpoint): writes, and the reads that must
    see them (a caller's teams). ``reads`` serves the Pokédex reads, which no request of
    this API changes: a read-only endpoint when one is configured, else the writer.
    """

    def __init__(
        self, db: Database, secret: SecretCache | None = None, reads: Runner | None = None
    ) -> None:
        self.db = db
        self.secret = secret
        self.reads: Runner = reads or db

    @classmethod
    def from_env(cls) -> App:
        settings = Settings.from_env()
        secret = SecretCache(settings.secret_id, SecretsManagerClient().get_secret_string)
        db = Database(settings, secret)
        reader = settings.for_reads()
        if reader is None:
            return cls(db, secret)
        # The reader is not retried: the writer serves a read it cannot (pokedex/reads.py).
        return cls(db, secret, ReadRouting(Database(reader, secret, retry_budget_s=0.0), db))


def _list_pokemon(app: App, _path: dict[str, str], query: dict[str, str]) -> http.Reply:
    wanted = listing.parse(query)
    page = pokemon.search_pokemon(app.reads, wanted)
    if page.next_after is None:
        return http.Reply(page.body)
    link = wanted.next_link("/poke_info", page.next_after)
    return http.Reply(page.body, {"link": f'<{link}>; rel="next"'})


# One function per operation of the route table: (app, path parameters, query) → reply.
Operation = Callable[[App, dict[str, str], dict[str, str]], http.Reply]
OPERATIONS: dict[str, Operation] = {
    "list_pokemon": _list_pokemon,
    "get_pokemon": lambda app, path, _query: http.Reply(
        pokemon.get_pokemon(app.reads, pokemon.parse_dex_number(path["dex_number"]))
    ),
    "list_types": lambda app, _path, query: http.Reply(
        pokemon.list_types(app.reads) if not query else _no_parameters(query)
    ),
}


def _no_parameters(query: dict[str, str]) -> str:
    raise BadRequest(f"unknown query parameter {sorted(query)[0]!r}; this route takes none")


_app: App | None = None


def _current_app() -> App:
    global _app
    if _app is None:
        _app = App.from_env()
    return _app


def handle(
    app_factory: Callable[[], App],
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
        query = event.get("queryStringParameters") or {}
        reply = OPERATIONS[route.operation](app, params, query)
        response = http.ok(reply, event.get("headers") or {})
    except PokedexError as exc:
        level = logging.ERROR if exc.status >= 500 else logging.INFO
        logger.log(level, "request failed: %s", exc.message, exc_info=exc.status >= 500)
        response = http.error(exc)
    except Exception:
        # A bug: the log gets the traceback, the client a body that reveals nothing.
        logger.exception("unhandled error")
        response = http.error(PokedexError())
    logger.info(
        "request",
        extra={
            "route": route_key,
            "path": event.get("rawPath") if isinstance(event, dict) else None,
            "status": response["statusCode"],
            "duration_ms": round((time.perf_counter() - started) * 1000, 3),
            "request_id": request_id,
        },
    )
    return response


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle(
        _current_app,
        event,
        getattr(context, "aws_request_id", "-"),
        getattr(context, "get_remaining_time_in_millis", None),
    )
