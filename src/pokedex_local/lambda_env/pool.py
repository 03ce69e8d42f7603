"""The pool of execution environments for one function, with Lambda's scaling rules.

- one invocation at a time per environment;
- a warm, idle environment is reused (the most recently used first, so the surplus ones
  stay idle and get reclaimed); a new one is created only when all are busy;
- an invocation is throttled only when the invocations in flight (running or waiting for
  an environment) reach ``reserved_concurrency``, never because the machine is slow;
- idle environments are reclaimed after ``idle_ttl_s``.

What differs from Lambda, and why: here every environment shares this machine's cores, so
cold starts are paced, ``init_concurrency`` at a time (cold_start_pace.py says how).

An invocation that found every environment busy waits for the first one that is free: a
warm one that has just finished, or a new one whose turn has come. Every such invocation
still causes one new environment, so a burst ends with as many environments (and, without
a proxy, as many database connections) as the concurrency it asked for.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import secrets
import time
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

from pokedex_local.lambda_env import logs
from pokedex_local.lambda_env.cold_start_pace import ColdStartPace
from pokedex_local.lambda_env.config import FunctionConfig
from pokedex_local.lambda_env.environment import Environment, Outcome
from pokedex_local.lambda_env.fork_server_client import ForkServer, SpawnError
from pokedex_local.lambda_env.waiting_line import WaitingLine

logger = logging.getLogger(__name__)


class Throttled(Exception):
    """Rate exceeded: the invocations in flight have reached the reserved concurrency."""


class EnvironmentPool:
    def __init__(self, config: FunctionConfig) -> None:
        self.config = config
        self._fork_server = ForkServer(config)
        self._idle: list[Environment] = []  # warm: have served an invocation
        self._fresh: deque[Environment] = deque()  # initialised, never invoked
        self._busy: set[Environment] = set()
        self._waiting = WaitingLine()  # invocations that found every environment busy
        self._starting = 0  # environments being forked or initialised
        self._pace = ColdStartPace(config.init_concurrency)
        self._creating: set[asyncio.Task[None]] = set()
        self._ids = itertools.count(1)
        self._reaper: asyncio.Task[None] | None = None
        self.counters: Counter[str] = Counter()
        self.last_cold_start_done: float | None = None  # time.time() of the latest one
        # Bumped when the function's code changes: older environments are not reused.
        self._generation = 0

    async def start(self) -> None:
        await self._fork_server.start()
        self._reaper = asyncio.create_task(self._reap_idle())

    async def stop(self) -> None:
        tasks = [t for t in (self._reaper, *self._creating) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._waiting.fail_all(SpawnError("the function is stopping"))
        for env in self._all():
            env.discard()
        self._idle.clear()
        self._fresh.clear()
        self._busy.clear()
        await self._fork_server.stop()

    def _all(self) -> list[Environment]:
        return [*self._busy, *self._idle, *self._fresh]

    @property
    def pids(self) -> dict[str, Any]:
        pids = sorted(e.pid for e in self._all() if not e.dead)
        return {"fork_server": self._fork_server.pid, "environments": pids}

    async def invoke(
        self, request_id: str, event: bytes, gone: Callable[[], bool] | None = None
    ) -> Outcome:
        """Run one invocation; raises Throttled, SpawnError, or Abandoned when ``gone()``
        says its caller left while it was still waiting for an environment."""
        env = None if self._waiting else self._take_warm()
        if env is None:
            env = await self._wait_for_environment(request_id, gone)
        try:
            outcome = await env.invoke(self.config, request_id, event)
        except BaseException:
            env.discard()  # cancelled mid-invocation (shutdown): its state is unknown
            raise
        finally:
            self._release(env)
        self.counters["invocations"] += 1
        if env.invocations == 1:
            self.counters["cold_starts"] += 1
            self.last_cold_start_done = time.time()
        if not outcome.ok:
            self.counters[outcome.kind] += 1
        return outcome

    async def _wait_for_environment(
        self, request_id: str, gone: Callable[[], bool] | None
    ) -> Environment:
        if len(self._busy) + len(self._waiting) >= self.config.reserved_concurrency:
            self._waiting.drop_abandoned()
        if len(self._busy) + len(self._waiting) >= self.config.reserved_concurrency:
            self.counters["throttles"] += 1
            logs.platform(
                request_id,
                f"THROTTLED: reserved concurrency {self.config.reserved_concurrency} reached",
            )
            raise Throttled
        waiter = self._waiting.join(gone)
        self._grow()
        self._dispatch()
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self._release(waiter.result())  # handed over just as we were cancelled
            raise
        finally:
            self._waiting.leave(waiter)

    def _dispatch(self) -> None:
        """Give free environments to the waiting invocations, oldest first."""
        while self._waiting.first() is not None:
            env = self._take_warm() or self._take_fresh()
            if env is None:
                return
            self._waiting.serve_first(env)

    def _take_warm(self) -> Environment | None:
        while self._idle:
            env = self._idle.pop()
            if env.usable and env.generation == self._generation:
                self._busy.add(env)
                return env
            if not env.usable:
                self.counters["crash"] += 1  # died while idle (killed from outside)
            env.discard()  # dead, or runs code that has changed since
        return None

    def recycle(self) -> None:
        """The function's code changed: every next invocation gets an environment that
        imports it anew. Idle ones go now, busy ones when their invocation ends."""
        self._generation += 1
        self.counters["reloads"] += 1
        for env in [*self._idle, *self._fresh]:
            env.discard()
        self._idle.clear()
        self._fresh.clear()
        self._grow()  # the waiting invocations may have been counting on those

    def _take_fresh(self) -> Environment | None:
        while self._fresh:
            env = self._fresh[0]
            if env.init_failure is None and not env.usable:
                self._fresh.popleft()  # died before its first invocation
                self.counters["crash"] += 1
                continue
            # An init failure is reported at once; a cold start waits for its turn.
            if env.init_failure is None and not self._pace.first_invocation_may_start():
                return None
            self._fresh.popleft()
            self._busy.add(env)
            slot_ends = self._pace.first_invocation_started(env)
            # Its slot stops counting after the pace even if it is still running.
            asyncio.get_running_loop().call_at(slot_ends, self._dispatch)
            return env
        return None

    def _release(self, env: Environment) -> None:
        self._busy.discard(env)
        self._pace.first_invocation_ended(env)
        if env.generation != self._generation:
            env.discard()
        if env.usable:
            env.last_used = time.monotonic()
            self._idle.append(env)
        else:
            self._grow()  # it is gone: the waiting invocations may need a new one
        self._dispatch()

    def _grow(self) -> None:
        """One new environment for each waiting invocation that none is coming for, as
        long as the reserved concurrency allows that many environments."""
        alive = len(self._idle) + len(self._busy) + len(self._fresh)
        while (
            len(self._waiting) > self._starting + len(self._fresh)
            and alive + self._starting < self.config.reserved_concurrency
        ):
            self._starting += 1
            task = asyncio.create_task(self._create())
            self._creating.add(task)
            task.add_done_callback(self._creating.discard)

    async def _create(self) -> None:
        counted = True
        try:
            async with self._pace.init_slots:
                try:
                    env = await self._spawn()
                finally:
                    self._starting -= 1
                    counted = False
            if env is None:
                self._grow()  # the invocation it was for has been told
            elif env.generation != self._generation:
                env.discard()  # forked before the code changed
                self._grow()
            else:
                env.last_used = time.monotonic()
                self._fresh.append(env)
                self._dispatch()
        finally:
            if counted:
                self._starting -= 1

    async def _spawn(self) -> Environment | None:
        env_id = f"env-{next(self._ids)}"
        generation = self._generation
        log_stream = time.strftime("%Y/%m/%d/[$LATEST]", time.gmtime()) + secrets.token_hex(16)
        try:
            env = Environment(env_id, log_stream, await self._fork_server.spawn(env_id, log_stream))
        except SpawnError as exc:
            self.counters["spawn_errors"] += 1
            logger.error("no execution environment: %s", exc)
            self._waiting.fail_oldest(exc)
            return None
        self.counters["created"] += 1
        env.generation = generation
        await env.initialise(self.config)
        return env

    async def _reap_idle(self) -> None:
        ttl = self.config.idle_ttl_s
        while True:
            await asyncio.sleep(min(max(ttl / 4, 0.05), 5.0))
            cutoff = time.monotonic() - ttl
            self._idle = self._reap(self._idle, cutoff)
            self._fresh = deque(self._reap(self._fresh, cutoff))

    def _reap(
        self, envs: list[Environment] | deque[Environment], cutoff: float
    ) -> list[Environment]:
        keep = []
        for env in envs:
            if env.last_used > cutoff and (env.usable or env.init_failure is not None):
                keep.append(env)
            else:
                env.discard()
                self.counters["reclaimed"] += 1
        return keep

    def summary(self, *, brief: bool = False) -> dict[str, Any]:
        """What the admin endpoint shows; ``brief`` leaves out the per-environment list."""
        now = time.monotonic()
        idle = [*self._idle, *(env for env in self._fresh if not env.dead)]
        summary: dict[str, Any] = {
            **self.config.describe(),
            "alive": len(self._busy) + len(idle),
            "busy": len(self._busy),
            "idle": len(idle),
            "never_invoked": len(idle) - len(self._idle),
            "starting": self._starting,
            "waiting": len(self._waiting),
            "created": self.counters["created"],
            "cold_starts": self.counters["cold_starts"],
            "last_cold_start_done": self.last_cold_start_done,
            "invocations": self.counters["invocations"],
            "throttles": self.counters["throttles"],
            "abandoned": self._waiting.abandoned,
            "timeouts": self.counters["timeout"],
            "function_errors": self.counters["error"],
            "init_errors": self.counters["init_error"],
            "crashes": self.counters["crash"],
            "spawn_errors": self.counters["spawn_errors"],
            "reclaimed": self.counters["reclaimed"],
            "reloads": self.counters["reloads"],
            "fork_server_pid": self._fork_server.pid,
            "fork_server_restarts": self._fork_server.restarts,
        }
        if not brief:
            summary["environments"] = [
                env.describe(busy=env in self._busy, now=now) for env in [*self._busy, *idle]
            ]
        return summary
