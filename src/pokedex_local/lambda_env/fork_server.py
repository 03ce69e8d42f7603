"""The fork server: a small Python process that forks execution environments on demand.

Starting a fresh interpreter per environment costs ~20 MB and ~30 ms each; a fork of this
process costs well under a millisecond and shares its pages. It imports only the runtime's
own bootstrap (this package's protocol, context and runtime modules, all standard library),
never the handler or its dependencies, so each environment's cold start stays honest.

Usage (by the gateway): python -m pokedex_local.lambda_env.fork_server CONTROL_FD SOCKET_PATH
    [--cpu-group=DIR:MEMORY_MB] [MODULE..]
MODULEs, if any, are preloaded: imported here once and shared by all environments (opt-in,
for capacity runs; it takes their import out of every cold start). With --cpu-group each
environment runs on MEMORY_MB's share of a CPU, in a group of its own under DIR.
The environment variables are the function's; the handler is named by _HANDLER, as on Lambda.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import signal
import socket
import sys
import time
from pathlib import Path

from pokedex_local.lambda_env import cpu_share, protocol, runtime
from pokedex_local.parent_death import signal_on_parent_death


def main(
    control_fd: int, socket_path: str, preload: list[str], cpu: tuple[Path, int] | None = None
) -> None:
    _die_with_parent()
    for module in preload:
        importlib.import_module(module)
    # Children are reaped by the kernel; the gateway learns of a death from its socket.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    control = socket.socket(fileno=control_fd)
    stream = control.makefile("rwb")
    # Objects allocated so far are never collected: the GC then doesn't touch (and copy)
    # the shared pages in every child.
    gc.freeze()
    protocol.write_frame(stream, {"t": "ready", "pid": os.getpid()})
    children: set[int] = set()
    while True:
        frame = protocol.read_frame(stream)
        if frame is None or frame[0]["t"] == "stop":
            _stop_children(children)
            if cpu is not None:
                cpu_share.sweep(cpu[0])
            return
        header = frame[0]
        if header["t"] != "fork":
            continue
        pid = os.fork()
        if pid == 0:
            stream.close()
            control.close()
            if cpu is not None:
                cpu_share.join(*cpu)
            _become_environment(socket_path, str(header["env"]), str(header["log_stream"]))
        children.add(pid)
        if len(children) % 256 == 0:
            children = {child for child in children if _alive(child)}
        if cpu is not None and len(children) % 64 == 0:
            cpu_share.sweep(cpu[0])


def _stop_children(children: set[int]) -> None:
    # Killed while we are alive, so the kernel reaps them for us (SIGCHLD is ignored):
    # stopping leaves no zombie behind for an init that might not reap.
    for pid in children:
        _kill(pid)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_alive(pid) for pid in children):
        time.sleep(0.01)


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _become_environment(socket_path: str, env_id: str, log_stream: str) -> None:
    status = 0
    try:
        _die_with_parent()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the handler may use subprocess
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.environ["AWS_LAMBDA_LOG_STREAM_NAME"] = log_stream
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(socket_path)
        stream = sock.makefile("rwb")
        protocol.write_frame(stream, {"t": "hello", "env": env_id, "pid": os.getpid()})
        runtime.serve(stream)
    except BaseException:
        status = 1
    finally:
        os._exit(status)


def _die_with_parent() -> None:
    # If our parent (the gateway, or for an environment the fork server) dies, so do we:
    # no process survives a crashed or killed gateway.
    signal_on_parent_death(signal.SIGKILL)
    # Our parent may have died before we asked: we were then handed to init already.
    if os.getppid() == 1:
        os._exit(1)


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    sys.stderr.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    rest = sys.argv[3:]
    cpu = None
    if rest and rest[0].startswith("--cpu-group="):
        directory, _, memory_mb = rest.pop(0).removeprefix("--cpu-group=").rpartition(":")
        cpu = (Path(directory), int(memory_mb))
    main(int(sys.argv[1]), sys.argv[2], rest, cpu)
