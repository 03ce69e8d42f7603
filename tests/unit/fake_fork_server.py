"""A fork server that forks nothing: each environment it hands the pool is one end of a
socket pair whose other end a coroutine answers as lambda_env/runtime.py would.

The pool and its Environment handles are the real ones, speaking the real frame protocol;
only the processes are missing. What an invocation does is said by its event, as with the
e2e probe handler: ``{"do": "crash"}`` closes the connection, ``{"do": "hang"}`` never
answers, ``{"do": "fail"}`` is a function error; anything else is answered at once with
which environment served it. ``hold`` and ``init_gate`` let a test keep invocations and
inits running while it looks at the pool.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
from typing import Any

from pokedex_local.lambda_env import protocol
from pokedex_local.lambda_env.config import FunctionConfig
from pokedex_local.lambda_env.fork_server_client import Channel, SpawnError, read_frame

# Above Linux's largest pid_max (2**22): should a kill ever get through, it reaches no one.
FIRST_FAKE_PID = 10_000_000


class FakeForkServer:
    def __init__(self, config: FunctionConfig | None = None) -> None:
        self.pid = 1
        self.restarts = 0
        self.spawned: list[str] = []
        self.spawn_error: str | None = None  # when set, spawn raises SpawnError with it
        self.init_fails = False
        self.inits_running = 0
        self.most_inits_at_once = 0
        self.invocations_running = 0
        self.init_gate = asyncio.Event()
        self.init_gate.set()
        self.hold = asyncio.Event()  # cleared: invocations wait until it is set
        self.hold.set()
        self._pids = itertools.count(FIRST_FAKE_PID)
        self._peers: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        for peer in self._peers:
            peer.cancel()
        await asyncio.gather(*self._peers, return_exceptions=True)

    async def spawn(self, env_id: str, log_stream: str) -> Channel:
        if self.spawn_error is not None:
            raise SpawnError(self.spawn_error)
        self.spawned.append(env_id)
        ours, theirs = socket.socketpair()
        reader, writer = await asyncio.open_unix_connection(sock=ours)
        peer = asyncio.create_task(self._runtime(env_id, theirs))
        self._peers.add(peer)
        peer.add_done_callback(self._peers.discard)
        return Channel(next(self._pids), reader, writer)

    async def _runtime(self, env_id: str, sock: socket.socket) -> None:
        reader, writer = await asyncio.open_unix_connection(sock=sock)
        served = 0
        try:
            while True:
                header, payload = await read_frame(reader)
                if header["t"] == "init":
                    if not await self._init(writer):
                        return
                elif header["t"] == "invoke":
                    served += 1
                    answer = await self._invoke(env_id, served, json.loads(payload))
                    if answer is None:
                        return  # crashed: the connection closes below
                    writer.write(protocol.encode(*answer))
        except (asyncio.IncompleteReadError, ConnectionError):
            return  # the gateway discarded this environment
        finally:
            writer.close()

    async def _init(self, writer: asyncio.StreamWriter) -> bool:
        self.inits_running += 1
        self.most_inits_at_once = max(self.most_inits_at_once, self.inits_running)
        try:
            await self.init_gate.wait()
        finally:
            self.inits_running -= 1
        if self.init_fails:
            error = {"errorMessage": "no module", "errorType": "Runtime.ImportModuleError"}
            writer.write(protocol.encode({"t": "error"}, json.dumps(error).encode()))
            await writer.drain()
            return False
        writer.write(protocol.encode({"t": "init", "ms": 1.0}))
        return True

    async def _invoke(
        self, env_id: str, served: int, event: dict[str, Any]
    ) -> tuple[dict[str, Any], bytes] | None:
        self.invocations_running += 1
        try:
            await self.hold.wait()
            action = event.get("do")
            if action == "crash":
                return None
            if action == "hang":
                await asyncio.Event().wait()
            ok = action != "fail"
            body = json.dumps({"env": env_id, "served": served}).encode()
            return {"t": "result", "ok": ok, "ms": 1.0, "mem_mb": 30}, body
        finally:
            self.invocations_running -= 1


async def settle(condition: Any, timeout_s: float = 2.0) -> None:
    """Wait until ``condition()`` holds: the pool works in tasks of its own."""
    async with asyncio.timeout(timeout_s):
        while not condition():
            await asyncio.sleep(0.005)
