"""The gateway's handle on one execution environment, and one invocation's lifecycle.

A new environment first runs its init phase (the handler module's import, 10 s limit),
started by the pool as soon as the environment exists. An invocation: START, the event down
the wire, the handler's run (the function timeout), then END and REPORT; the first one's
REPORT carries the Init Duration. A timeout, an init error or a crash leaves the
environment unusable: it is killed here and the pool drops it, so the next invocation gets
a fresh one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass
from typing import Any

from pokedex_local.lambda_env import logs, protocol
from pokedex_local.lambda_env.config import FunctionConfig
from pokedex_local.lambda_env.fork_server_client import Channel, kill, read_frame


@dataclass(frozen=True)
class Outcome:
    """``kind``: ok, error (the function raised), timeout, crash, init_error."""

    kind: str
    payload: bytes = b""

    @property
    def ok(self) -> bool:
        return self.kind == "ok"


class InitTimeout(Exception):
    pass


class Environment:
    def __init__(self, env_id: str, log_stream: str, channel: Channel) -> None:
        self.env_id = env_id
        self.log_stream = log_stream
        self.pid = channel.pid
        self._reader = channel.reader
        self._writer = channel.writer
        self.initialised = False
        # What the first invocation answers when the init phase failed (Lambda reports an
        # init error to the invocation that was waiting for the environment).
        self.init_failure: bytes | None = None
        self.init_ms: float | None = None
        self.dead = False
        self.generation = 0  # of the function's code (hot reload), set by the pool
        self.invocations = 0
        self.created = time.monotonic()
        self.last_used = self.created

    @property
    def usable(self) -> bool:
        return not (self.dead or self._reader.at_eof() or self._writer.is_closing())

    def describe(self, *, busy: bool, now: float) -> dict[str, Any]:
        """Its entry in the admin endpoint's list (``now``: time.monotonic())."""
        return {
            "id": self.env_id,
            "pid": self.pid,
            "state": "busy" if busy else "idle",
            "invocations": self.invocations,
            "initialised": self.initialised,
            "idle_s": 0.0 if busy else round(now - self.last_used, 3),
            "log_stream": self.log_stream,
        }

    def discard(self) -> None:
        self.dead = True
        kill(self.pid)
        self._writer.close()

    async def initialise(self, config: FunctionConfig) -> None:
        """The init phase: import the handler's module (10 s limit), before any invoke.

        Its outcome is kept for the first invocation, whose REPORT line carries the Init
        Duration, as on Lambda. A failed init discards the environment.
        """
        started = time.perf_counter()
        header: dict[str, Any] = {"t": "init"}
        if config.debug_port:
            header["debug_port"] = config.debug_port
        with contextlib.suppress(ConnectionError, RuntimeError):  # uvloop: closed
            self._writer.write(protocol.encode(header))
        try:
            header, payload = await self._init_phase(config.init_timeout_s)
        except InitTimeout:
            logs.init_report(config.init_timeout_s * 1000, "timeout", None)
            self._fail_init(_error("Init timed out"))
            return
        except (asyncio.IncompleteReadError, ConnectionError, protocol.ProtocolError):
            elapsed = (time.perf_counter() - started) * 1000
            logs.init_report(elapsed, "failure", "Runtime.ExitError")
            self._fail_init(_error("Runtime exited during init", "Runtime.ExitError"))
            return
        if header["t"] == "error":
            elapsed = (time.perf_counter() - started) * 1000
            logs.init_report(elapsed, "error", json.loads(payload).get("errorType"))
            self._fail_init(payload)
            return
        self.init_ms = float(header["ms"])
        self.initialised = True

    def _fail_init(self, payload: bytes) -> None:
        self.init_failure = payload
        self.discard()

    async def invoke(self, config: FunctionConfig, request_id: str, event: bytes) -> Outcome:
        self.invocations += 1
        logs.start(request_id)
        started = time.perf_counter()
        if self.init_failure is not None:
            logs.finish(request_id, 0.0, config.memory_mb, 0, None)
            return Outcome("init_error", self.init_failure)
        init_ms = self.init_ms if self.invocations == 1 else None
        try:
            frame = protocol.encode(
                {"t": "invoke", "id": request_id, "timeout_ms": int(config.timeout_s * 1000)},
                event,
            )
            # START is written first, so that the handler's output follows it. No drain:
            # the environment reads its frame whole before it answers, and a dead one
            # shows up as the end of the stream below.
            logs.flush()
            with contextlib.suppress(ConnectionError, RuntimeError):  # uvloop: closed
                self._writer.write(frame)
            # asyncio.timeout rather than wait_for: no extra task per invocation.
            async with asyncio.timeout(config.timeout_s):
                header, payload = await read_frame(self._reader)
        except TimeoutError:
            logs.platform(request_id, f"Task timed out after {config.timeout_s:.2f} seconds")
            payload = _error("Task timed out")
            return self._finish(request_id, "timeout", payload, config, started, init_ms)
        except (asyncio.IncompleteReadError, ConnectionError, protocol.ProtocolError):
            logs.platform(request_id, "Error: Runtime exited without providing a reason")
            payload = _error("Runtime exited", "Runtime.ExitError")
            return self._finish(request_id, "crash", payload, config, started, init_ms)
        kind = "ok" if header.get("ok") else "error"
        logs.finish(
            request_id, float(header["ms"]), config.memory_mb, int(header["mem_mb"]), init_ms
        )
        return Outcome(kind, payload)

    def _finish(
        self,
        request_id: str,
        kind: str,
        payload: bytes,
        config: FunctionConfig,
        started: float,
        init_ms: float | None = None,
    ) -> Outcome:
        """End an invocation that broke the environment."""
        self.discard()
        duration = (time.perf_counter() - started) * 1000
        logs.finish(request_id, duration, config.memory_mb, 0, init_ms)
        return Outcome(kind, payload)

    async def _init_phase(self, limit_s: float) -> tuple[dict[str, Any], bytes]:
        """Wait for the end of init; the limit excludes time spent waiting for a CPU.

        On Lambda each environment has its own CPU share; here inits share two cores with
        the traffic being served, so wall time could time out inits that are fine. The
        scheduler's per-process run-queue wait (/proc/<pid>/schedstat) is subtracted.
        """
        started = time.monotonic()
        queued_at_start = _runqueue_wait_s(self.pid)
        reading = asyncio.ensure_future(read_frame(self._reader))
        try:
            while True:
                done, _ = await asyncio.wait({reading}, timeout=0.25)
                if done:
                    return reading.result()
                queued = _runqueue_wait_s(self.pid) - queued_at_start
                if time.monotonic() - started - queued > limit_s:
                    raise InitTimeout
        finally:
            reading.cancel()


def _runqueue_wait_s(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/schedstat") as stats:
            return int(stats.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def _error(message: str, error_type: str = "Sandbox.Timedout") -> bytes:
    return json.dumps({"errorMessage": message, "errorType": error_type}).encode()
