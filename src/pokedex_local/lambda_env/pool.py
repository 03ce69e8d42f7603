"""The pool of execution environments for one function, with Lambda's scaling rules.

- one invocation at a time per environment;
- a warm, idle environment is reused (the most recently used first, so the surplus ones
  stay idle and get reclaimed); a new one is created only when all are busy;
- at most ``reserved_concurrency`` environments: beyond that an invocation is throttled;
- idle environments are reclaimed after ``idle_ttl_s``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import secrets
import time
from collections import Counter
from typing import Any

from pokedex_local.lambda_env import logs
from pokedex_local.lambda_env.config import FunctionConfig
from pokedex_local.lambda_env.environment import Environment, Outcome
from pokedex_local.lambda_env.zygote_client import SpawnError, Zygote

logger = logging.getLogger(__name__)


class Throttled(Exception):
    """Rate exceeded: every environment the reserved concurrency allows is busy."""


class EnvironmentPool:
    def __init__(self, config: FunctionConfig) -> None:
        self.config = config
        self._zygote = Zygote(config)
        self._idle: list[Environment] = []
        self._busy: set[Environment] = set()
        self._starting = 0
        self._ids = itertools.count(1)
        self._reaper: asyncio.Task[None] | None = None
        self.counters: Counter[str] = Counter()

    async def start(self) -> None:
        await self._zygote.start()
        self._reaper = asyncio.create_task(self._reap_idle())

    async def stop(self) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaper
        for env in [*self._idle, *self._busy]:
            env.discard()
        self._idle.clear()
        self._busy.clear()
        await self._zygote.stop()

    @property
    def pids(self) -> dict[str, Any]:
        envs = [*self._idle, *self._busy]
        return {"fork_server": self._zygote.pid, "environments": sorted(e.pid for e in envs)}

    async def invoke(self, request_id: str, event: bytes) -> Outcome:
        """Run one invocation; raises Throttled or SpawnError."""
        env = await self._acquire(request_id)
        cold = not env.initialised
        try:
            outcome = await env.invoke(self.config, request_id, event)
        except BaseException:
            env.discard()  # cancelled mid-invocation (shutdown): its state is unknown
            raise
        finally:
            self._release(env)
        self.counters["invocations"] += 1
        self.counters["cold_starts"] += cold
        if not outcome.ok:
            self.counters[outcome.kind] += 1
        return outcome

    async def _acquire(self, request_id: str) -> Environment:
        while self._idle:
            env = self._idle.pop()
            if env.usable:
                self._busy.add(env)
                return env
            env.discard()  # died while idle (killed from outside)
            self.counters["crash"] += 1
        if len(self._busy) + self._starting >= self.config.reserved_concurrency:
            self.counters["throttles"] += 1
            logs.platform(
                request_id,
                f"THROTTLED: reserved concurrency {self.config.reserved_concurrency} reached",
            )
            raise Throttled
        self._starting += 1
        try:
            env_id = f"env-{next(self._ids)}"
            log_stream = time.strftime("%Y/%m/%d/[$LATEST]", time.gmtime()) + secrets.token_hex(16)
            env = Environment(env_id, log_stream, await self._zygote.spawn(env_id, log_stream))
        except SpawnError:
            self.counters["spawn_errors"] += 1
            logger.exception("no execution environment for %s", request_id)
            raise
        finally:
            self._starting -= 1
        self._busy.add(env)
        return env

    def _release(self, env: Environment) -> None:
        self._busy.discard(env)
        if env.usable:
            env.last_used = time.monotonic()
            self._idle.append(env)

    async def _reap_idle(self) -> None:
        ttl = self.config.idle_ttl_s
        while True:
            await asyncio.sleep(min(max(ttl / 4, 0.05), 5.0))
            cutoff = time.monotonic() - ttl
            keep = [env for env in self._idle if env.last_used > cutoff and env.usable]
            for env in self._idle:
                if env not in keep:
                    env.discard()
                    self.counters["reclaimed"] += 1
            self._idle = keep

    def summary(self) -> dict[str, Any]:
        now = time.monotonic()
        envs = [*self._busy, *self._idle]
        return {
            "function": self.config.function_name,
            "handler": self.config.handler,
            "reserved_concurrency": self.config.reserved_concurrency,
            "timeout_s": self.config.timeout_s,
            "idle_ttl_s": self.config.idle_ttl_s,
            "alive": len(envs),
            "busy": len(self._busy),
            "idle": len(self._idle),
            "starting": self._starting,
            "cold_starts": self.counters["cold_starts"],
            "invocations": self.counters["invocations"],
            "throttles": self.counters["throttles"],
            "timeouts": self.counters["timeout"],
            "function_errors": self.counters["error"],
            "init_errors": self.counters["init_error"],
            "crashes": self.counters["crash"],
            "reclaimed": self.counters["reclaimed"],
            "fork_server_pid": self._zygote.pid,
            "environments": [
                {
                    "id": env.env_id,
                    "pid": env.pid,
                    "state": "busy" if env in self._busy else "idle",
                    "invocations": env.invocations,
                    "initialised": env.initialised,
                    "idle_s": 0.0 if env in self._busy else round(now - env.last_used, 3),
                    "log_stream": env.log_stream,
                }
                for env in envs
            ],
        }
