"""Stop a PostgreSQL server by its data directory, whoever started it.

The pid the tier spawned is not always the postmaster that runs: an operator or a fault
test may restart the server with `pg_ctl restart`, and the new postmaster is nobody's
child. What every postmaster of a data directory has in common is the directory itself:
it writes its pid on the first line of ``postmaster.pid`` there and runs with the
directory as its working directory. Both are checked, so a stale file whose pid was
recycled by an unrelated process is left alone.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from pokedex_local.tier.processes import alive, terminate

PID_FILE = "postmaster.pid"


class StartedElsewhere(RuntimeError):
    """The data directory already has a running postmaster that the tier did not start
    (an operator's `pg_ctl start`): a second one would only fail on its lock file."""

    def __init__(self, data_dir: Path, pid: int) -> None:
        super().__init__(f"{data_dir} is already served by postmaster pid {pid}")
        self.pid = pid


def running_postmaster(data_dir: Path) -> int | None:
    """The pid of the postmaster serving ``data_dir`` now, or None."""
    try:
        pid = int((data_dir / PID_FILE).read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None
    if pid <= 0 or not alive(pid):
        return None
    try:
        cwd = Path(os.readlink(f"/proc/{pid}/cwd"))
    except OSError:
        return None  # gone, or another account's process: not ours to stop
    return pid if cwd == data_dir.resolve() else None


def stop_postmaster(data_dir: Path, deadline_s: float = 10.0) -> int | None:
    """Fast shutdown (SIGINT, what `pg_ctl stop -m fast` sends) of the postmaster of
    ``data_dir``, SIGKILL after ``deadline_s``; the pid it stopped, or None."""
    pid = running_postmaster(data_dir)
    if pid is not None:
        terminate(pid, signal.SIGINT, deadline_s)
    return pid
