"""Restart the tier's children when they die: RDS Proxy, Secrets Manager and RDS come back.

RDS Proxy is a managed, highly available service, and RDS restarts a crashed database;
their local stand-ins are single processes, so something has to bring them back or one
`kill -9` stops the stack for good. A thread polls every child ten times a second; a child
that exits without being asked to is started again with the same command, port and
files, at once, then after growing pauses while it keeps failing (a PostgreSQL killed with
SIGKILL refuses to start until its orphaned backends have exited).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from pokedex_local.tier.postmaster import StartedElsewhere
from pokedex_local.tier.processes import OUTLIVES_CHILDREN, Child

POLL_S = 0.1
FIRST_PAUSE_S = 0.1
MAX_PAUSE_S = 2.0

logger = logging.getLogger("pokedex_local.tier.supervisor")


@dataclass
class Restart:
    """When a child was found dead and when it was back, for the fault lab and the logs."""

    name: str
    exited_with: int | None
    found_at: float
    ready_at: float | None = None
    attempts: int = 0


@dataclass
class Supervisor:
    """Watches ``children`` (name → Child); ``starters`` start a replacement by name."""

    children: dict[str, Child]
    starters: dict[str, Callable[[], Child]]
    on_restart: Callable[[Child], None]
    restarts: list[Restart] = field(default_factory=list)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    # Held while a child is being replaced, so stop() never races a half-started one.
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._watch, name="tier-supervisor", daemon=True)
        # Children it restarts get their death signal when this thread ends: stop() ends
        # it only when the tier stops them anyway, or the launcher died.
        setattr(self._thread, OUTLIVES_CHILDREN, True)
        self._thread.start()

    def stop(self) -> None:
        """Stop watching; a restart under way finishes first. Children are left running."""
        self._stopping.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        self._thread = None

    def _watch(self) -> None:
        while not self._stopping.wait(POLL_S):
            for name in list(self.starters):
                child = self.children.get(name)
                if child is not None and not child.alive():
                    self._replace(name, child)

    def _replace(self, name: str, dead: Child) -> None:
        record = Restart(name, dead.proc.returncode, time.monotonic())
        self.restarts.append(record)
        logger.warning("%s (pid %d) exited with %s; restarting", name, dead.pid, record.exited_with)
        pause = FIRST_PAUSE_S
        while not self._stopping.is_set():
            record.attempts += 1
            try:
                with self.lock:
                    if self._stopping.is_set():
                        return
                    child = self.starters[name]()
                    self.children[name] = child
                    self.on_restart(child)
            except StartedElsewhere as exc:
                # An operator restarted it (pg_ctl restart): theirs serves the same port
                # and files. Left to them, and no longer watched; the tier still stops it,
                # by its data directory, when it stops.
                logger.warning(
                    "%s was started outside the stack (pid %d); the stack uses it, no "
                    "longer restarts it, and stops it on the way out",
                    name,
                    exc.pid,
                )
                del self.starters[name]
                record.ready_at = time.monotonic()
                return
            except Exception as exc:  # any failure to start: log it, wait, try again
                logger.warning("%s did not start (attempt %d): %s", name, record.attempts, exc)
                self._stopping.wait(pause)
                pause = min(MAX_PAUSE_S, pause * 2)
                continue
            record.ready_at = time.monotonic()
            logger.warning(
                "%s is back (pid %d) %.2f s after it was found dead",
                name,
                child.pid,
                record.ready_at - record.found_at,
            )
            return
