"""The gateway's handle on the fork server: start it, ask it for environments, stop it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from typing import Any

from pokedex_local.lambda_env import protocol
from pokedex_local.lambda_env.config import FunctionConfig

# Generous on purpose: with hundreds of environments importing their handler at once on
# two cores, a fork and its hello can take many seconds, and the client's wait is bounded
# by the integration timeout anyway. This only catches a fork server that stopped working.
SPAWN_TIMEOUT_S = 300.0
# A fork server that died is replaced after this pause (no busy loop if it keeps dying);
# an environment asked for meanwhile waits at most RESTART_WAIT_S for the new one.
RESTART_DELAY_S = 0.1
RESTART_WAIT_S = 5.0

logger = logging.getLogger(__name__)


@dataclass
class Channel:
    """A connected environment's end of the wire, before it has run anything."""

    pid: int
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter


class SpawnError(Exception):
    """The fork server could not produce an environment."""


async def read_frame(reader: asyncio.StreamReader) -> tuple[dict[str, Any], bytes]:
    """One frame; IncompleteReadError when the peer is gone."""
    head_len, payload_len = protocol.decode_prefix(await reader.readexactly(protocol.PREFIX.size))
    body = await reader.readexactly(head_len + payload_len)
    return protocol.decode_header(body[:head_len]), body[head_len:]


class ForkServer:
    def __init__(self, config: FunctionConfig) -> None:
        self._config = config
        self._dir = ""
        self._server: asyncio.AbstractServer | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._control: asyncio.StreamWriter | None = None
        self._pending: dict[str, asyncio.Future[Channel]] = {}
        self._watch: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._stopping = False
        self.restarts = 0

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    async def start(self) -> None:
        # A short path: unix socket paths are limited to 108 bytes.
        self._dir = tempfile.mkdtemp(prefix="pokedex-env-")
        path = os.path.join(self._dir, "env.sock")
        self._server = await asyncio.start_unix_server(self._on_connect, path, backlog=4096)
        await self._launch()

    async def _launch(self) -> None:
        """Start the fork server and wait for its first word."""
        path = os.path.join(self._dir, "env.sock")
        ours, theirs = socket.socketpair()
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pokedex_local.lambda_env.fork_server",
                str(theirs.fileno()),
                path,
                *(
                    [f"--cpu-group={self._config.cpu_group}:{self._config.memory_mb}"]
                    if self._config.cpu_group
                    else []
                ),
                *self._config.preload,
            ],
            env=self._config.process_env(),
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            # Its own process group: Ctrl-C reaches the gateway only, which then stops
            # the environments in order, and one killpg removes them all.
            start_new_session=True,
        )
        theirs.close()
        reader, self._control = await asyncio.open_unix_connection(sock=ours)
        try:
            header, _ = await asyncio.wait_for(read_frame(reader), SPAWN_TIMEOUT_S)
        except (TimeoutError, asyncio.IncompleteReadError) as exc:
            await self.stop()
            raise SpawnError("the fork server did not start (see its output above)") from exc
        if header["t"] != "ready":
            raise SpawnError(f"unexpected first message from the fork server: {header}")
        self._watch = asyncio.create_task(self._watch_control(reader))
        self._ready.set()

    async def _watch_control(self, reader: asyncio.StreamReader) -> None:
        """The fork server only ever closes its end by dying: start another one.

        Its environments die with it (they must not outlive their parent), so the
        invocations they were running fail, as on Lambda when a host is lost; the
        invocations after them get new environments from the new fork server.
        """
        await reader.read()
        self._ready.clear()
        if self._control is not None and not self._control.is_closing():
            self._control.close()
        for future in self._pending.values():
            if not future.done():
                future.set_exception(SpawnError("the fork server exited"))
        if self._stopping:
            return
        code = None
        if self._process is not None:
            code = await asyncio.to_thread(self._process.wait)
        logger.error("the fork server exited (status %s): starting a new one", code)
        self.restarts += 1
        await asyncio.sleep(RESTART_DELAY_S)
        try:
            await self._launch()
        except (OSError, SpawnError):
            logger.exception("the fork server could not be restarted")

    async def spawn(self, env_id: str, log_stream: str) -> Channel:
        if not self._ready.is_set():
            # Being restarted: worth a short wait, not an invocation's whole timeout.
            try:
                await asyncio.wait_for(self._ready.wait(), RESTART_WAIT_S)
            except TimeoutError:
                raise SpawnError("the fork server is not running") from None
        if self._control is None or self._control.is_closing():
            raise SpawnError("the fork server is not running")
        future: asyncio.Future[Channel] = asyncio.get_running_loop().create_future()
        self._pending[env_id] = future
        self._control.write(protocol.encode({"t": "fork", "env": env_id, "log_stream": log_stream}))
        try:
            return await asyncio.wait_for(future, SPAWN_TIMEOUT_S)
        except TimeoutError as exc:
            raise SpawnError(f"environment {env_id} did not connect in time") from exc
        finally:
            self._pending.pop(env_id, None)

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            header, _ = await read_frame(reader)
        except (asyncio.IncompleteReadError, protocol.ProtocolError):
            writer.close()
            return
        future = self._pending.get(str(header.get("env")))
        channel = Channel(int(header["pid"]), reader, writer)
        if future is None or future.done():
            # Its invoke gave up waiting: nobody will use this environment.
            kill(channel.pid)
            writer.close()
            return
        future.set_result(channel)

    async def stop(self) -> None:
        self._stopping = True
        if self._watch is not None:
            self._watch.cancel()
        if self._control is not None and not self._control.is_closing():
            # The fork server kills and reaps its environments, then exits.
            self._control.write(protocol.encode({"t": "stop"}))
            with contextlib.suppress(ConnectionError):
                await self._control.drain()
            self._control.close()
        if self._process is not None:
            try:
                await asyncio.to_thread(self._process.wait, 10)
            except subprocess.TimeoutExpired:
                # Every environment is in the fork server's process group.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self._process.pid, signal.SIGKILL)
                await asyncio.to_thread(self._process.wait)
        if self._server is not None:
            self._server.close()
        shutil.rmtree(self._dir, ignore_errors=True)


def kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
