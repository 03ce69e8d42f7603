"""How the lab breaks a running stack: by process id, by signal, by SQL, by the deploy runbook.

Every injector blocks (the lab runs it on a worker thread beside the load) and returns the
moments that define the fault's window on time.monotonic(): when it began and when the
broken part was back (accepting connections, lock released, process running again).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from pokedex_local.loadlab.stack import RunningStack
from pokedex_local.tier import secrets_server
from pokedex_local.tier.endpoint import Endpoint
from pokedex_local.tier.ports import accepts
from pokedex_local.tier.processes import alive


class FaultError(RuntimeError):
    pass


@dataclass
class Window:
    began: float
    back: float  # the broken part works again (the end of the fault)
    note: str = ""


@dataclass
class Target:
    """The stack under test: its description, where its tier records live pids."""

    stack: RunningStack
    state_dir: Path

    def pid(self, name: str) -> int:
        """A tier child's current pid: tier.json is rewritten when the supervisor restarts one."""
        tier = json.loads((self.state_dir / "tier.json").read_text())
        return int(tier["pids"][name])

    def admin(self) -> dict[str, Any]:
        return self.stack.admin()

    def owner_conninfo(self) -> str:
        return self.stack.conninfo("postgres")


def wait_for(probe: Any, what: str, deadline_s: float = 60.0, step_s: float = 0.02) -> float:
    end = time.monotonic() + deadline_s
    while not probe():
        if time.monotonic() > end:
            raise FaultError(f"{what} did not happen within {deadline_s:.0f} s")
        time.sleep(step_s)
    return time.monotonic()


def _accepts_login(conninfo: str) -> bool:
    try:
        with psycopg.connect(conninfo, connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


def _replaced(target: Target, name: str, old_pid: int) -> bool:
    try:
        pid = target.pid(name)
    except (OSError, ValueError, KeyError):
        return False
    return pid != old_pid and alive(pid)


def postgres_signal(target: Target, sig: signal.Signals) -> Window:
    """Signal the postmaster (SIGINT is `pg_ctl stop -m fast`; SIGKILL a crash) and wait
    until the tier's supervisor has it accepting logins again."""
    pid = target.pid("postgres")
    began = time.monotonic()
    os.kill(pid, sig)
    wait_for(lambda: _replaced(target, "postgres", pid), "a restarted PostgreSQL")
    back = wait_for(lambda: _accepts_login(target.owner_conninfo()), "PostgreSQL accepting logins")
    return Window(began, back)


def kill_child(target: Target, name: str, endpoint_port: int | None) -> Window:
    """SIGKILL a tier child; back when the supervisor's replacement runs (and listens)."""
    pid = target.pid(name)
    began = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    back = wait_for(lambda: _replaced(target, name, pid), f"a restarted {name}")
    if endpoint_port is not None:
        back = wait_for(lambda: accepts(endpoint_port), f"{name} listening")
    return Window(began, back)


def freeze_secrets(target: Target, seconds: float) -> Window:
    """SIGSTOP the Secrets Manager endpoint: it accepts connections and never answers.

    It stays frozen for ``seconds`` and then, up to three times as long, until a cold start
    has met it (the function logged an unreachable endpoint): on two loaded cores a cold
    start's init can outlast a short outage, which would then test nothing.
    """
    pid = target.pid("secrets")
    log = target.stack.log_path
    offset = log.stat().st_size if log is not None and log.exists() else 0
    began = time.monotonic()
    os.kill(pid, signal.SIGSTOP)
    try:
        time.sleep(seconds)
        end = began + 3 * seconds
        while not _logged_since(log, offset, b"Secrets Manager unreachable"):
            if time.monotonic() > end:
                break
            time.sleep(0.1)
    finally:
        os.kill(pid, signal.SIGCONT)
    return Window(began, time.monotonic())


def _logged_since(log: Path | None, offset: int, needle: bytes) -> bool:
    if log is None:
        return False
    with log.open("rb") as f:
        f.seek(offset)
        return needle in f.read()


def hold_lock(target: Target, seconds: float) -> Window:
    """An owner session holds ACCESS EXCLUSIVE on the pokemon table for ``seconds``."""
    with psycopg.connect(target.owner_conninfo()) as conn:
        conn.execute("LOCK TABLE pokemon IN ACCESS EXCLUSIVE MODE")
        began = time.monotonic()
        time.sleep(seconds)
        conn.rollback()
        return Window(began, time.monotonic())


def rotate_app_password(target: Target) -> Window:
    """docs/deploy.md's procedure: put a new password into the application secret, then
    run the migration function once (it sets the role's password from the secret)."""
    description = target.stack.description
    app = description["postgres"]  # the shape the tier stored: the database's address
    began = time.monotonic()
    password = os.urandom(18).hex()
    secrets_server.put_secret_value(
        description["secrets_endpoint"],
        description["app_secret_name"],
        Endpoint(app["host"], app["port"], app["dbname"], description["app_user"], password),
        description["function"]["env"],
    )
    put = time.monotonic()
    env = {
        **description["function"]["env"],
        "SECRET": description["owner_secret_name"],
        "APP_SECRET": description["app_secret_name"],
        "PATH": os.environ.get("PATH", ""),
    }
    done = subprocess.run(
        [sys.executable, "-c", "from pokedex.migrate_handler import handler; handler({}, None)"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise FaultError(f"the migration function failed:\n{done.stderr[-2000:]}")
    return Window(began, time.monotonic(), f"secret put after {put - began:.2f} s")


def kill_busy_environment(target: Target) -> Window:
    """SIGKILL one environment while it runs an invocation: as a Lambda sandbox crash.

    An invocation here takes milliseconds: the environment the gateway listed as busy may
    have finished by the time the signal lands, and then no request was running in it.
    The gateway logs "Runtime exited" for an invocation its environment died in; without
    that line within half a second, another busy environment is killed (at most five).
    """
    log = target.stack.log_path
    offset = log.stat().st_size if log is not None and log.exists() else 0
    began: float | None = None
    killed: list[str] = []
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and len(killed) < 5:
        busy = [e for e in target.admin()["environments"] if e["state"] == "busy"]
        if not busy:
            time.sleep(0.01)
            continue
        os.kill(int(busy[0]["pid"]), signal.SIGKILL)
        began = began or time.monotonic()
        killed.append(str(busy[0]["id"]))
        time.sleep(0.5)
        if _logged_since(log, offset, b"Runtime exited"):
            return Window(began, time.monotonic(), f"killed {', '.join(killed)}")
    raise FaultError(f"no invocation was caught running; killed {killed or 'none'}")
