"""Closed-loop clients on GET /poke_info/{n} that keep every answer with its timing.

The load lab's driver keeps totals; a fault lab needs the timeline: when each request was
sent, when it was answered, how, and whether a 503 said when to come back (Retry-After).
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field

import aiohttp

from pokedex_local.loadlab.driver import KINDS

# Longer than the function's timeout: a request the stack never answers is the stack's
# failure ("client timeout"), not the client's impatience.
REQUEST_TIMEOUT_S = 35.0


@dataclass(frozen=True)
class Answer:
    sent: float  # time.monotonic()
    done: float
    status: int  # 0: no HTTP answer at all (connection error, client timeout)
    retry_after: bool  # a 503 that carried Retry-After
    json: bool

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def seconds(self) -> float:
        return self.done - self.sent


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
        connector = aiohttp.TCPConnector(limit=0)
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            await asyncio.gather(*(self._client(i, session) for i in range(self.clients)))

    async def _client(self, index: int, session: aiohttp.ClientSession) -> None:
        rng = random.Random(self.seed * 100_003 + index)
        kind = KINDS["get"]
        while not self._stop.is_set():
            sent = time.monotonic()
            try:
                async with session.get(self.base_url + kind.path(rng)) as response:
                    await response.read()
                    answer = Answer(
                        sent,
                        time.monotonic(),
                        response.status,
                        "retry-after" in response.headers,
                        response.content_type == "application/json",
                    )
            except (TimeoutError, aiohttp.ClientError):
                answer = Answer(sent, time.monotonic(), 0, False, False)
            self.answers.append(answer)
            if answer.status == 0:
                await asyncio.sleep(0.05)  # don't spin on a refused connection
