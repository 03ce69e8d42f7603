"""Child processes the tier owns: spawn, wait for readiness, stop, and clean up leftovers.

Every child runs in its own session, so a Ctrl-C typed at the terminal reaches only the
launcher, which then stops the children in order. If the launcher dies without stopping
them (SIGKILL, a crash), the kernel sends each child its stop signal (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pokedex_local.parent_death import signal_on_parent_death
from pokedex_local.tier.errors import TierError
from pokedex_local.tier.service_user import ServiceUser

# PgBouncer needs a descriptor per client and per server connection (max_client_conn=5000).
_WANTED_FILES = 65536
# The attribute that marks a thread which stops only after the children it started.
OUTLIVES_CHILDREN = "pokedex_outlives_children"


@dataclass
class Child:
    name: str
    proc: subprocess.Popen[bytes]
    log: Path
    stop_signal: signal.Signals

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def record(self) -> dict[str, Any]:
        """What a later run needs to recognise and stop this process if it is left behind."""
        return {"pid": self.pid, "cmdline": cmdline(self.pid), "signal": int(self.stop_signal)}

    def stop(self, deadline_s: float = 10.0) -> None:
        if self.alive():
            self.proc.send_signal(self.stop_signal)
            try:
                self.proc.wait(deadline_s)
            except subprocess.TimeoutExpired:
                _kill_group(self.pid)
                self.proc.wait(deadline_s)
        else:
            self.proc.wait()


def spawn(
    name: str,
    argv: Sequence[str],
    log: Path,
    *,
    user: ServiceUser,
    stop_signal: signal.Signals = signal.SIGTERM,
    env: dict[str, str] | None = None,
) -> Child:
    # The death signal belongs to the thread that forks: set it only from the main thread
    # or a thread that lives as long as the tier (the supervisor's, marked with
    # OUTLIVES_CHILDREN), or a child would die with a short-lived worker thread.
    thread = threading.current_thread()
    bound = thread is threading.main_thread() or getattr(thread, OUTLIVES_CHILDREN, False)
    death_signal = stop_signal if bound else None

    def prepare() -> None:  # runs in the child, after the switch to the service account
        if death_signal is not None:
            signal_on_parent_death(death_signal)
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = _WANTED_FILES if hard == resource.RLIM_INFINITY else min(hard, _WANTED_FILES)
        if soft < wanted:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))

    with log.open("ab") as out:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=prepare,
            env=env,
            cwd="/",  # the service account may not be able to enter the launcher's directory
            **user.popen_kwargs(),
        )
    return Child(name, proc, log, stop_signal)


def wait_ready(child: Child, probe: Callable[[], bool], deadline_s: float = 30.0) -> None:
    """Poll ``probe`` until it answers True; fail with the log's tail if the child dies or hangs."""
    end = time.monotonic() + deadline_s
    while True:
        if not child.alive():
            raise TierError(
                f"{child.name} exited with status {child.proc.returncode} while starting;"
                f" last lines of {child.log}:\n{log_tail(child.log)}"
            )
        if probe():
            return
        if time.monotonic() > end:
            raise TierError(
                f"{child.name} was not ready after {deadline_s:.0f} s;"
                f" last lines of {child.log}:\n{log_tail(child.log)}"
            )
        time.sleep(0.05)


def run(
    argv: Sequence[str], what: str, *, user: ServiceUser, env: dict[str, str] | None = None
) -> None:
    """Run a short command as the service account; fail with its output if it fails."""
    done = subprocess.run(
        list(argv), check=False, capture_output=True, text=True, cwd="/", env=env,
        **user.popen_kwargs(),
    )  # fmt: skip
    if done.returncode != 0:
        raise TierError(f"{what} failed (status {done.returncode}):\n{done.stdout}{done.stderr}")


def log_tail(log: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"(no log: {exc})"


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting to be reaped counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def stop_leftover(record: dict[str, Any], deadline_s: float = 10.0) -> None:
    """Stop a process an earlier run left behind, if that pid still runs the same command.

    The command-line check keeps a recycled pid, now someone else's process, out of harm.
    """
    pid = int(record["pid"])
    if alive(pid) and cmdline(pid) == record["cmdline"]:
        terminate(pid, int(record["signal"]), deadline_s)


def terminate(pid: int, stop_signal: int, deadline_s: float) -> None:
    """Send ``stop_signal``, wait up to ``deadline_s`` for ``pid`` to go, then SIGKILL it."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, stop_signal)
    end = time.monotonic() + deadline_s
    while alive(pid) and time.monotonic() < end:
        time.sleep(0.05)
    if alive(pid):
        _kill_group(pid)


def _kill_group(pid: int) -> None:
    # A server the tier or pg_ctl started leads its own process group, with its backends
    # in it: the group goes down together. A process that does not lead a group is killed
    # alone, so no unrelated group is hit.
    with contextlib.suppress(ProcessLookupError):
        if os.getpgid(pid) == pid:
            os.killpg(pid, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGKILL)


def cmdline(pid: int) -> str:
    """A process's command line, arguments joined by spaces; empty when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        return raw.replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""
