"""How many cold starts run at once, in the two places they are paced.

On AWS every new environment starts on its own share of the fleet; here they all share
this machine's cores. A thousand cold starts begun at once (a thousand handler imports,
secret reads and TLS logins) would each crawl, hold their invocations for tens of seconds
and starve the traffic already being served. So cold starts are *paced*, in two places,
both ``width`` wide:

- at most that many environments are in their init phase (fork, handler import) at once;
  the others are queued (``init_slots``);
- at most that many are in their first invocation (where the function reads its secret
  and logs in to the database), each counting for at most ``FIRST_INVOCATION_PACE_S``, so
  that a first invocation that sleeps or waits does not hold up the others.
"""

from __future__ import annotations

import asyncio
import time

from pokedex_local.lambda_env.environment import Environment

# How long a first invocation counts against the pace of cold starts: about what the real
# handler's secret read and TLS login take on a busy machine.
FIRST_INVOCATION_PACE_S = 0.1


class ColdStartPace:
    def __init__(self, width: int) -> None:
        self.width = width
        self.init_slots = asyncio.Semaphore(width)
        self._first_runs: dict[Environment, float] = {}  # first invocations, by start

    def first_invocation_may_start(self) -> bool:
        cutoff = time.monotonic() - FIRST_INVOCATION_PACE_S
        for env, started in list(self._first_runs.items()):
            if started <= cutoff:
                del self._first_runs[env]
        return len(self._first_runs) < self.width

    def first_invocation_started(self, env: Environment) -> float:
        """Counts ``env`` from now; returns when its slot stops counting, on time.monotonic."""
        self._first_runs[env] = now = time.monotonic()
        return now + FIRST_INVOCATION_PACE_S

    def first_invocation_ended(self, env: Environment) -> None:
        self._first_runs.pop(env, None)
