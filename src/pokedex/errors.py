"""Every error the function knows how to explain.

One base class; each subclass's docstring is its default message, ``status`` is the
HTTP status the handler answers with and ``retry_after`` marks the transient ones.
Anything not derived from ``PokedexError`` is a bug and becomes a bare 500 whose body
says nothing about the cause (the log has it).
"""

from __future__ import annotations

from pokedex.deadlines import RETRY_AFTER_S


class PokedexError(Exception):
    """Internal error."""

    status = 500
    # Seconds a client should wait before trying again (the Retry-After header), for
    # failures that pass on their own; None for those that do not.
    retry_after: int | None = None
    # Whether the message may reach the client. Server-side failures show only the class's
    # default message: the details (a variable name, a secret id) belong in the log.
    expose = False

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message())

    @classmethod
    def default_message(cls) -> str:
        return (cls.__doc__ or "").strip()

    @property
    def message(self) -> str:
        return str(self.args[0])

    @property
    def public_message(self) -> str:
        return self.message if self.expose else self.default_message()


class BadRequest(PokedexError):
    """Bad request."""

    status = 400
    expose = True


class NotFound(PokedexError):
    """Not found."""

    status = 404
    expose = True


class MethodNotAllowed(PokedexError):
    """Method not allowed."""

    status = 405
    expose = True

    def __init__(self, allowed: list[str], message: str | None = None) -> None:
        super().__init__(message)
        self.allowed = allowed


class DatabaseUnavailable(PokedexError):
    """The database is unavailable; try again shortly."""

    status = 503
    retry_after = RETRY_AFTER_S


class DatabaseBusy(DatabaseUnavailable):
    """The database is busy; try again shortly."""


class SecretsUnavailable(PokedexError):
    """The database credentials are unavailable; try again shortly."""

    status = 503
    retry_after = RETRY_AFTER_S


class ConfigurationError(PokedexError):
    """The function is misconfigured."""


class SecretError(PokedexError):
    """The database credentials could not be read."""


class MigrationError(PokedexError):
    """A migration could not be applied."""
