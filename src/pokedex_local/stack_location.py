"""Which state directory a stack uses, and where the tools find a running one.

The one rule shared by `make run` and every tool that attaches to a running stack
(`make token`, `make load --stack`):

- the default port (3000) keeps its state in ``.local``;
- any other port in ``.local/<port>``, so `make run PORT=3001` beside `make run` gets its
  own PostgreSQL, PgBouncer and Secrets Manager endpoint, from the same clone;
- ``--state-dir`` (or ``POKEDEX_STATE_DIR``) names a directory outright, for any port.

A running stack describes itself in ``<state-dir>/stack.json`` (its URL, pids, endpoints
and ``state_dir``); only one stack at a time may use a directory (tier/state_lock.py).
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_PORT = 3000
BASE = Path(".local")
STACK_FILE = "stack.json"
STATE_DIR_VARIABLE = "POKEDEX_STATE_DIR"
PORT_VARIABLE = "POKEDEX_PORT"


def state_dir(port: int | None = None, explicit: str | Path | None = None) -> Path:
    """The state directory of the stack on ``port`` (None: the default port), unless one is
    named ``explicit``ly or in POKEDEX_STATE_DIR. Relative, as typed: resolve it in the
    directory the command runs in (the clone, for make)."""
    named = explicit or os.environ.get(STATE_DIR_VARIABLE)
    if named:
        return Path(named)
    if port is None:
        port = default_port()
    return BASE if port == DEFAULT_PORT else BASE / str(port)


def default_port() -> int:
    """POKEDEX_PORT if set (as for `make run`), else 3000."""
    value = os.environ.get(PORT_VARIABLE, "")
    return int(value) if value.strip().isdigit() else DEFAULT_PORT


def stack_file(directory: Path) -> Path:
    return directory / STACK_FILE


def stack_file_for(target: str) -> Path:
    """``--stack``'s argument: a port (the stack `make run PORT=<port>` started), a state
    directory, or a stack.json."""
    if target.strip().isdigit():
        return stack_file(state_dir(int(target)))
    path = Path(target)
    return stack_file(path) if path.is_dir() else path


def how_to_start(port: int) -> str:
    """The command that starts the stack the tools look for on ``port``."""
    return "make run" if port == DEFAULT_PORT else f"make run PORT={port}"
