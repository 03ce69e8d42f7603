"""`make run` twice: a second stack never harms the first, and two run side by side.

Real processes throughout: the session's `make run` (local_stack) is the first stack; the
others are started here the way make starts them, and polled over HTTP while they start,
fail and stop, so a moment of harm to the first would show as a non-200 answer.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pokedex_local.loadlab.stack import RunningStack, launch
from pokedex_local.tier.ports import free_port
from pokedex_local.tier.postgres import bindir
from pokedex_local.tier.postmaster import running_postmaster
from pokedex_local.tier.processes import alive
from pokedex_local.tier.service_user import service_user
from tests.e2e.gateway_process import get

pytestmark = pytest.mark.e2e

RUN = [sys.executable, "-m", "pokedex_local.run"]


@contextlib.contextmanager
def answers(url: str) -> Iterator[list[int]]:
    """The statuses of GET url/poke_info/25, asked every 50 ms while the block runs."""
    statuses: list[int] = []
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            try:
                statuses.append(get(url + "/poke_info/25", timeout=5).status)
            except OSError:
                statuses.append(0)
            done.wait(0.05)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    try:
        yield statuses
    finally:
        done.set()
        poller.join()


@pytest.fixture
def clone() -> Iterator[Path]:
    """A directory to run `make run` in, as in a clone; reachable by the service account."""
    path = Path(tempfile.mkdtemp(prefix="pokedex-e2e-clone-"))
    path.chmod(0o711)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def start_beside(clone: Path, port: int, *flags: str) -> RunningStack:
    """`make run PORT=<port> ...` in ``clone``: its state is .local/<port> there."""
    stack_json = clone / ".local" / str(port) / "stack.json"
    stack_json.unlink(missing_ok=True)  # one a killed stack could not remove
    log = clone / f"run-{port}-{time.monotonic_ns()}.log"
    return launch([*RUN, "--port", str(port), *flags], stack_json, log, f"PORT={port}", cwd=clone)


def postmaster_swapped_behind_the_stacks_back(stack: RunningStack) -> int:
    """Replace the stack's postmaster with one started by pg_ctl, as an operator would.

    The launcher is frozen meanwhile, or its supervisor would start its own postmaster
    first and pg_ctl would find the directory taken; the new postmaster is no child of it.
    """
    data_dir = Path(stack.description["data_dir"])
    logs = Path(stack.description["logs_dir"])
    user = service_user().popen_kwargs()
    pg_ctl = str(bindir() / "pg_ctl")
    assert stack.process is not None
    stack.process.send_signal(signal.SIGSTOP)
    try:
        for action in (["stop", "-m", "fast"], ["start", "-l", str(logs / "pg_ctl.log")]):
            done = subprocess.run(
                [pg_ctl, *action, "-w", "-D", str(data_dir)],
                capture_output=True, text=True, timeout=60, cwd="/", **user,
            )  # fmt: skip
            assert done.returncode == 0, done.stdout + done.stderr
    finally:
        stack.process.send_signal(signal.SIGCONT)
    pid = running_postmaster(data_dir)
    assert pid is not None
    assert pid != stack.description["pids"]["postgres"]
    return pid


def serves(stack: RunningStack, deadline_s: float = 15.0) -> bool:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        with contextlib.suppress(OSError):
            if get(stack.api_url + "/poke_info/25", timeout=5).status == 200:
                return True
        time.sleep(0.2)
    return False


def processes_in(directory: Path) -> list[int]:
    """Processes whose working directory is under ``directory`` (a postmaster's is its
    data directory, a backend's too)."""
    found = []
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if entry.name.isdigit() and Path(os.readlink(entry / "cwd")).is_relative_to(directory):
                found.append(int(entry.name))
    return found


def left_behind(stack: RunningStack, *more: int) -> list[int]:
    time.sleep(0.5)
    pids = [*stack.description["pids"].values(), *more]
    running = [pid for pid in pids if alive(pid)]
    return running + processes_in(Path(stack.description["state_dir"]))


def test_a_second_make_run_on_the_same_state_refuses_and_the_first_serves_on(
    local_stack: dict[str, Any],
) -> None:
    # Given a stack serving, when `make run` is typed again for the same state
    state_dir, first = local_stack["state_dir"], local_stack["pids"]["gateway"]
    with answers(local_stack["api_url"]) as statuses:
        began = time.monotonic()
        second = subprocess.run(
            [*RUN, "--port", "0", "--state-dir", state_dir],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        took = time.monotonic() - began
        time.sleep(0.5)  # and a little after
    # Then it refuses at once, naming the running stack and how to run a second one
    assert second.returncode != 0
    assert took < 10
    assert f"in use by the stack of pid {first}, serving at {local_stack['api_url']}" in (
        second.stderr
    )
    assert "make run PORT=" in second.stderr
    assert "starting the database tier" not in second.stderr
    # and the first answered 200 throughout, with every process of it still running
    assert statuses, "the first stack was not asked"
    assert set(statuses) == {200}, statuses
    assert all(alive(pid) for pid in local_stack["pids"].values())
    assert (Path(state_dir) / "stack.json").exists()


def test_a_port_in_use_stops_make_run_before_postgresql_starts(
    local_stack: dict[str, Any], clone: Path
) -> None:
    port = int(local_stack["api_url"].rsplit(":", 1)[1])
    refused = subprocess.run(
        [*RUN, "--port", str(port)], capture_output=True, text=True, timeout=60, cwd=clone
    )
    assert refused.returncode != 0
    assert f"PORT={port} is in use by pid {local_stack['pids']['gateway']}" in refused.stderr
    # Nothing was started, and nothing is left: not even the lock taken before the check
    assert not (clone / ".local" / str(port)).exists()
    assert processes_in(clone) == []
    assert get(local_stack["api_url"] + "/poke_info/25").status == 200


def test_two_stacks_side_by_side_and_ctrl_c_stops_only_its_own(
    local_stack: dict[str, Any], clone: Path
) -> None:
    # Given the first stack (proxy) and, beside it, `make run VIA=direct PORT=<port>`
    port = free_port()
    with answers(local_stack["api_url"]) as statuses:
        second = start_beside(clone, port, "--via", "direct")
        try:
            assert second.description["state_dir"] == str(clone / ".local" / str(port))
            assert second.api_url.endswith(f":{port}")
            assert second.mode == "direct"
            assert second.description["data_dir"] != local_stack["data_dir"]
            assert serves(second)
            # When its PostgreSQL is restarted behind its back, and then Ctrl-C is pressed
            restarted = postmaster_swapped_behind_the_stacks_back(second)
            assert serves(second)
        finally:
            second.stop()
    # Then it stopped cleanly, leaving none of its processes, the new postmaster included
    assert second.process is not None
    assert second.process.returncode == 0
    assert left_behind(second, restarted) == []
    # while the first answered 200 throughout
    assert statuses, "the first stack was not asked"
    assert set(statuses) == {200}, statuses


def test_make_run_after_a_sigkill_cleans_up_and_serves(
    local_stack: dict[str, Any], clone: Path
) -> None:
    # Given a stack killed with SIGKILL, after its postmaster was restarted with pg_ctl (so
    # no record of the stack names the one that runs, and no death signal reaches it)
    port = free_port()
    killed = start_beside(clone, port)
    try:
        leftover = postmaster_swapped_behind_the_stacks_back(killed)
    finally:
        assert killed.process is not None
        killed.process.kill()
        killed.process.wait(30)
    assert alive(leftover)
    # When `make run` is started again on the same port
    with answers(local_stack["api_url"]) as statuses:
        again = start_beside(clone, port)
        try:
            # Then it stopped what was left, and serves
            assert not alive(leftover)
            assert serves(again)
        finally:
            again.stop()
    assert left_behind(again) == []
    assert statuses, "the first stack was not asked"
    assert set(statuses) == {200}, statuses
