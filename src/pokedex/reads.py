"""Where the Pokédex reads go: the read endpoint when there is one, the writer otherwise.

The rule (read-your-writes): writes, and the reads that must see them (a caller's teams),
always go to the writer, ``HandlerState.db``. The Pokédex data, which only migrations change, is
read through ``HandlerState.reads``: this object when a read endpoint is configured
(``DB_READ_ENDPOINT``), else the writer itself. A replica is a little behind the writer
(milliseconds, usually): harmless for data no request changes, wrong for a team written
a moment ago, hence the rule.

A read endpoint that cannot be reached (a link refused or broken, no connection to give
within the proxy's borrow timeout) has the read served by the writer at once, and is then
left alone for ``COOL_DOWN_S`` before it is tried again, so a standby that went away costs
one failed attempt per cool-down per environment, not a connect timeout per request. Running
a read again on the writer is always safe: a standby is read-only, nothing sent to it can
have changed anything. A read that ran on the reader and failed there (a statement
timeout, a certificate refused) is not sent to the writer: it would fail there too, or hide
a misconfiguration. One warning when the reads leave the read endpoint, one line when they
come back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import psycopg

from pokedex.db import Runner, first_line, unreachable
from pokedex.errors import DatabaseUnavailable

T = TypeVar("T")
COOL_DOWN_S = 5.0
logger = logging.getLogger("pokedex.reads")


class ReadRouting:
    """A Runner that prefers ``reader`` and falls back to ``writer``."""

    def __init__(
        self,
        reader: Runner,
        writer: Runner,
        *,
        cool_down_s: float = COOL_DOWN_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.reader = reader
        self.writer = writer
        self._cool_down_s = cool_down_s
        self._clock = clock
        # When the reader may be tried again; None while it is in use.
        self._retry_at: float | None = None
        self.fallbacks = 0  # reads the writer served because the reader could not

    @property
    def on_writer(self) -> bool:
        """Whether the reads are on the writer now (the reader failed, cooling down)."""
        return self._retry_at is not None

    def begin(self, remaining_s: float | None) -> None:
        self.reader.begin(remaining_s)
        self.writer.begin(remaining_s)

    def run(self, work: Callable[[psycopg.Connection[Any]], T], *, idempotent: bool = False) -> T:
        if self._retry_at is not None and self._clock() < self._retry_at:
            return self.writer.run(work, idempotent=idempotent)
        try:
            result = self.reader.run(work, idempotent=idempotent)
        except DatabaseUnavailable as exc:  # DatabaseBusy is one too
            cause = exc.__cause__
            if not (isinstance(cause, psycopg.OperationalError) and unreachable(cause)):
                raise
            self._leave_reader(cause)
            return self.writer.run(work, idempotent=idempotent)
        if self._retry_at is not None:
            self._retry_at = None
            logger.warning("the read endpoint answers again: reads go back to it")
        return result

    def _leave_reader(self, cause: psycopg.OperationalError) -> None:
        self.fallbacks += 1
        if self._retry_at is None:  # a transition: say it once, not at every retry
            logger.warning(
                "the read endpoint is unreachable (%s): reads go to the writer, and the read"
                " endpoint is tried again every %.0f s",
                first_line(cause),
                self._cool_down_s,
            )
        self._retry_at = self._clock() + self._cool_down_s
