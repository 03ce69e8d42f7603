"""What `make run` checks before it starts anything, so that a mistake costs nothing.

Every check here runs before the database tier is touched: a bad value in a flag or a
POKEDEX_* variable, a state directory another stack holds (tier/state_lock.py), a port
something else listens on. Each failure is one message that names the problem and what
to do, and the stack exits non-zero having started nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pokedex import pooling
from pokedex_local import stack_location
from pokedex_local.gateway.options import OPTIONS
from pokedex_local.tier import pgbouncer
from pokedex_local.tier.description import VIAS
from pokedex_local.tier.processes import cmdline
from pokedex_local.tier.state_lock import StateBusy
from pokedex_local.tier.tier import READS

# PostgreSQL's own ceiling for max_connections.
MAX_CONNECTIONS = 262143
# The variables `make run` reads besides the gateway's (gateway/options.py OPTIONS).
RUN_VARIABLES: dict[str, Callable[[str], object]] = {
    "POKEDEX_VIA": lambda text: _one_of(text, VIAS),
    "POKEDEX_READS": lambda text: _one_of(text, READS),
    "POKEDEX_DB_MAX_CONNECTIONS": int,
}


def environment_problems() -> list[str]:
    """POKEDEX_* variables whose values cannot be used, read before the flags are parsed
    (argparse would only name the flag, or not check a default at all)."""
    readers: dict[str, Callable[[str], object]] = {var: kind for _, var, kind, _, _ in OPTIONS}
    readers.update(RUN_VARIABLES)
    problems = []
    for variable, read in readers.items():
        value = os.environ.get(variable)
        if value is None:
            continue
        try:
            read(value)
        except ValueError as exc:
            problems.append(f"{variable}={value!r}: {exc}")
    return problems


def value_problems(args: argparse.Namespace) -> list[str]:
    """Flags (or the variables behind them) whose values are out of range. Those with a
    set of choices are checked by argparse, and their variables by environment_problems."""
    problems = []
    try:
        pgbouncer.pool_size(args.db_max_connections, pooling.MAX_CONNECTIONS_PERCENT)
        if args.db_max_connections > MAX_CONNECTIONS:
            raise ValueError(f"PostgreSQL allows at most {MAX_CONNECTIONS}")
    except ValueError as exc:
        problems.append(f"--db-max-connections {args.db_max_connections}: {exc}")
    ranges = {
        "port": (0, 65535),
        "debug_port": (0, 65535),
        "concurrency": (1, None),
        "memory": (1, None),
        "init_concurrency": (0, None),
    }
    for name, (low, high) in ranges.items():
        value = getattr(args, name)
        if value < low or (high is not None and value > high):
            bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
            problems.append(f"--{name.replace('_', '-')} {value}: must be {bounds}")
    for name in ("timeout", "init_timeout", "integration_timeout", "idle_ttl"):
        if getattr(args, name) <= 0:
            problems.append(f"--{name.replace('_', '-')} {getattr(args, name)}: must be positive")
    return problems


def port_problems(args: argparse.Namespace) -> list[str]:
    """The gateway's port, and the debugger's if asked for, must be free to listen on."""
    wanted = {"PORT": args.port, "DEBUG_PORT": args.debug_port}
    found = (_port_problem(args.host, port, name) for name, port in wanted.items() if port)
    return [problem for problem in found if problem]


def refusal(busy: StateBusy, state_dir: Path, port: int) -> str:
    """Why a second stack aimed at a state directory in use stops, and how to run one beside."""
    holder = f"the stack of pid {busy.holder}" if busy.holder else "another stack"
    url = _serving_at(state_dir, busy.holder)
    status = f"serving at {url}" if url else "starting (no stack.json yet)"
    other = (port + 1) if port else stack_location.DEFAULT_PORT + 1
    return (
        f"{state_dir} is in use by {holder}, {status}; it was left untouched.\n"
        f"To run a second stack beside it: make run PORT={other} (its state goes to "
        f"{stack_location.state_dir(other)}), or name a state directory of its own with "
        "--state-dir DIR (POKEDEX_STATE_DIR=DIR)."
    )


def listeners(port: int) -> list[int]:
    """The pids of the processes holding a socket that listens on TCP ``port``, as far as
    /proc shows them (all of them as root; one's own otherwise)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(f"socket:[{inode}]")
    found = []
    for process in Path("/proc").iterdir():
        if process.name.isdigit() and _holds_any(process, inodes):
            found.append(int(process.name))
    return sorted(found)


def _holds_any(process: Path, sockets: set[str]) -> bool:
    try:
        return any(os.readlink(fd) in sockets for fd in (process / "fd").iterdir())
    except OSError:
        return False  # gone, or another account's


def _port_problem(host: str, port: int, name: str) -> str | None:
    try:
        # As the gateway will bind it (SO_REUSEADDR, so a closed connection's TIME_WAIT
        # does not count as in use).
        with socket.create_server((host, port)):
            return None
    except OSError as exc:
        reason = exc.strerror or str(exc)
    pids = listeners(port)
    if pids:
        holders = ", ".join(f"pid {pid} ({_command(pid)})" for pid in pids)
        problem = f"{name}={port} is in use by {holders}"
    else:
        problem = f"{name}={port} cannot be used on {host}: {reason}"
    return f"{problem}; pick another ({name}=0: any free port)"


def _command(pid: int) -> str:
    words = cmdline(pid).split()
    text = " ".join(words[:4]) + (" ..." if len(words) > 4 else "")
    return text or "?"


def _serving_at(state_dir: Path, holder: int | None) -> str | None:
    try:
        description: dict[str, Any] = json.loads(stack_location.stack_file(state_dir).read_text())
    except (OSError, ValueError):
        return None
    gateway = description.get("pids", {}).get("gateway")
    return str(description.get("api_url")) if holder is None or gateway == holder else None


def _one_of(text: str, choices: Sequence[str]) -> str:
    if text not in choices:
        raise ValueError(f"must be one of {', '.join(choices)}")
    return text
