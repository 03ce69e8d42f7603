"""The invocations that found every environment busy, oldest first.

Each waits on a future the pool resolves with an environment. One whose caller can leave
(an HTTP client closing its connection) comes with a ``gone()`` that tells it has: it is
then dropped, with Abandoned, instead of being handed an environment nobody will use.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable

from pokedex_local.lambda_env.environment import Environment

Waiter = asyncio.Future[Environment]


class Abandoned(Exception):
    """The caller went away while the invocation still waited for an environment."""


class WaitingLine:
    def __init__(self) -> None:
        self._waiters: deque[Waiter] = deque()
        self._gone: dict[Waiter, Callable[[], bool]] = {}
        self.abandoned = 0  # dropped because their caller had left

    def __len__(self) -> int:
        return len(self._waiters)

    def join(self, gone: Callable[[], bool] | None) -> Waiter:
        waiter: Waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        if gone is not None:
            self._gone[waiter] = gone
        return waiter

    def leave(self, waiter: Waiter) -> None:
        """``waiter`` no longer waits: served or failed (and so already out of the line), or
        cancelled, when its caller's task was (and so taken out of it here)."""
        self._gone.pop(waiter, None)
        if waiter.cancelled():
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)

    def _left(self, waiter: Waiter) -> bool:
        gone = self._gone.get(waiter)
        return gone is not None and gone()

    def _abandon(self, waiter: Waiter) -> None:
        waiter.set_exception(Abandoned())
        self.abandoned += 1

    def drop_abandoned(self) -> None:
        """Forget the waiting invocations whose caller has left, before they count against
        the reserved concurrency. On Lambda an invocation never waits (it gets a new
        environment at once) and finishes in milliseconds; here one can wait, and a burst
        whose clients disconnect leaves a queue that would throttle the next clients. Only
        invocations no environment has started are dropped: a running one always finishes.
        """
        kept: deque[Waiter] = deque()
        for waiter in self._waiters:
            if waiter.done():
                continue
            if self._left(waiter):
                self._abandon(waiter)
            else:
                kept.append(waiter)
        self._waiters = kept

    def first(self) -> Waiter | None:
        """The oldest invocation still waiting for its caller, the others dropped first."""
        while self._waiters:
            waiter = self._waiters[0]
            if waiter.done():  # its caller was cancelled
                self._waiters.popleft()
            elif self._left(waiter):
                self._abandon(self._waiters.popleft())
            else:
                return waiter
        return None

    def serve_first(self, env: Environment) -> None:
        """Hand ``env`` to the invocation first() named."""
        self._waiters.popleft().set_result(env)

    def fail_oldest(self, exc: BaseException) -> None:
        """Tell the invocation that has waited longest, rather than leave it hanging."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(exc)
                return

    def fail_all(self, exc: BaseException) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_exception(exc)
