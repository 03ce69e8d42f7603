"""Closed-loop clients on GET /poke_info/{n} that keep every answer with its timing.

The load lab's driver (loadlab/driver.py) sends the requests; where the load lab keeps
totals, a fault lab keeps the timeline: when each request was sent, when it was answered,
how, and whether a 503 said when to come back (Retry-After).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from pokedex_local.loadlab.driver import GET_ONLY, Answer, drive

# Longer than the function's timeout: a request the stack never answers is the stack's
# failure ("client timeout"), not the client's impatience.
REQUEST_TIMEOUT_S = 35.0


@dataclass
class Load:
    """``clients`` closed-loop clients, running until stop() is called."""

    base_url: str
    clients: int
    seed: int = 1
    answers: list[Answer] = field(default_factory=list)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        await drive(
            self.base_url,
            self.clients,
            GET_ONLY,
            self.answers.append,
            running=lambda: not self._stop.is_set(),
            seed=self.seed,
            request_timeout_s=REQUEST_TIMEOUT_S,
        )
