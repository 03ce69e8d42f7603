"""Every error the function knows how to explain.

One base class; each subclass's ``default`` is its default message (an attribute, not
the docstring, which ``python -OO`` would strip), ``status`` is the HTTP status the
handler answers with and ``retry_after`` marks the transient ones.
Anything not derived from ``PokedexError`` is a bug and becomes a bare 500 whose body
says nothing about the cause (the log has it).
"""

from __future__ import annotations

from pokedex.deadlines import RETRY_AFTER_S


class PokedexError(Exception):
    """The base of every error the function explains; a bare 500."""

    default = "Internal error."

    status = 500
    # Seconds a client should wait before trying again (the Retry-After header), for
    # failures that pass on their own; None for those that do not.
    retry_after: int | None = None
    # Whether the message may reach the client. Server-side failures show only the class's
    # default message: the details (a variable name, a secret id) belong in the log.
    expose = False

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default)

    @property
    def message(self) -> str:
        return str(self.args[0])

    @property
    def public_message(self) -> str:
        return self.message if self.expose else self.default


class BadRequest(PokedexError):
    default = "Bad request."

    status = 400
    expose = True


class NotFound(PokedexError):
    default = "Not found."

    status = 404
    expose = True


class Unauthorized(PokedexError):
    default = "Unauthorized"
    # API Gateway's own answer when its JWT authorizer refuses a request; the function
    # says the same if a team route ever reaches it without the authorizer's claims.
    status = 401


class PreconditionFailed(PokedexError):
    default = "The team has changed since the version given in If-Match."

    status = 412
    expose = True


class PreconditionRequired(PokedexError):
    default = "This request needs an If-Match header with the team's ETag."

    status = 428
    expose = True


class UnsupportedMediaType(PokedexError):
    default = "The request body must be JSON (Content-Type: application/json)."

    status = 415
    expose = True


class IdempotencyKeyReused(PokedexError):
    default = "This Idempotency-Key was used with a different request."

    status = 422
    expose = True


class MethodNotAllowed(PokedexError):
    default = "Method not allowed."

    status = 405
    expose = True

    def __init__(self, allowed: list[str], message: str | None = None) -> None:
        super().__init__(message)
        self.allowed = allowed


class DatabaseUnavailable(PokedexError):
    default = "The database is unavailable; try again shortly."

    status = 503
    retry_after = RETRY_AFTER_S


class DatabaseBusy(DatabaseUnavailable):
    default = "The database is busy; try again shortly."


class SecretsUnavailable(PokedexError):
    default = "The database credentials are unavailable; try again shortly."

    status = 503
    retry_after = RETRY_AFTER_S


class ConfigurationError(PokedexError):
    default = "The function is misconfigured."


class SecretError(PokedexError):
    default = "The database credentials could not be read."


class MigrationError(PokedexError):
    default = "A migration could not be applied."
