"""Which processes a run started, and which of them outlived it.

Looking for descendants after the run has exited finds nothing: a process left behind
has lost its parent and belongs to init by then. So the lineage is watched while the run
is alive, every process that descends from it remembered by pid and start time (a pid can
be reused; the pair cannot), and after the run each remembered process that still exists
is a leftover.
"""

from __future__ import annotations

import threading
from pathlib import Path

from pokedex_local.tier.processes import cmdline

Process = tuple[int, int]  # pid, start time in clock ticks since boot


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, start time) from /proc/<pid>/stat, None once it is gone (a zombie,
    dead and waiting to be reaped, counts as gone)."""
    try:
        text = (Path("/proc") / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name, in parentheses, may hold spaces: the fields follow the last ")".
    fields = text.rsplit(")", 1)[1].split()
    return None if fields[0] == "Z" else (int(fields[1]), int(fields[19]))


def _table() -> dict[int, tuple[int, int]]:
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            table[int(entry.name)] = stat
    return table


class Lineage:
    """Every process descended from ``root`` while ``root`` runs, sampled every
    ``interval_s``; ``leftovers()`` once it has exited."""

    def __init__(self, root: int, interval_s: float = 0.2) -> None:
        self.root = root
        self.seen: dict[Process, str] = {}
        self._interval_s = interval_s
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> Lineage:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()

    def sample(self) -> None:
        table = _table()
        found, frontier = set(), {self.root}
        while frontier:
            frontier = {pid for pid, (parent, _) in table.items() if parent in frontier} - found
            found |= frontier
        for pid in found:
            key = (pid, table[pid][1])
            if key not in self.seen:
                self.seen[key] = cmdline(pid)

    def leftovers(self) -> dict[int, str]:
        """The watched processes still running: same pid, same start time."""
        return {
            pid: name
            for (pid, started), name in self.seen.items()
            if (stat := _stat(pid)) is not None and stat[1] == started
        }

    def _watch(self) -> None:
        while not self._done.is_set():
            self.sample()
            self._done.wait(self._interval_s)
