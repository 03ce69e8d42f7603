"""The local database tier's lifecycle: it stops everything it started, one tier at a time
owns a state directory, and a postmaster restarted behind its back is stopped too."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pokedex_local.tier import LocalTier
from pokedex_local.tier.__main__ import READY
from pokedex_local.tier.postgres import bindir
from pokedex_local.tier.postmaster import running_postmaster
from pokedex_local.tier.processes import alive
from pokedex_local.tier.service_user import service_user
from pokedex_local.tier.state_lock import StateBusy
from tests.integration.test_supervision import wait_until
from tests.integration.test_tier import config_value, connect, wait_gone

pytestmark = pytest.mark.integration


def test_stop_leaves_no_process_and_a_second_start_replaces_the_state(tier_dir: Path) -> None:
    first = LocalTier(tier_dir, max_connections=20, max_connections_percent=50, migrate=False)
    with first:
        # 50% of (20 - 3 reserved) = 8.5, rounded down.
        assert first.pool_size == 8
        assert config_value(first, "max_db_connections") == "8"
        with connect(first.postgres, autocommit=True) as conn:
            conn.execute("CREATE TABLE left_behind ()")
        pids = list(first.pids.values())
        assert len(pids) == 3
        assert all(alive(pid) for pid in pids)
    assert wait_gone(pids, deadline_s=0) == []

    with first:
        with connect(first.postgres) as conn:
            assert conn.execute("SELECT to_regclass('left_behind')").fetchone() == (None,)
        # A second tier on the directory in use refuses, naming the first, touching nothing
        with pytest.raises(StateBusy, match=f"in use by pid {os.getpid()}"):
            LocalTier(tier_dir, max_connections=20, migrate=False).start()
        assert all(alive(pid) for pid in first.pids.values())
        # Once the first launcher is gone (its lock released, its supervisor no longer
        # watching), a new one on the same directory stops what it left running.
        assert first.supervisor is not None
        assert first._lock is not None
        first.supervisor.stop()
        first._lock.release()
        leftover = list(first.pids.values())
        second = LocalTier(tier_dir, max_connections=20, migrate=False).start()
        try:
            assert wait_gone(leftover, deadline_s=0) == []
            with connect(second.pgbouncer) as conn:
                assert conn.execute("SELECT 1").fetchone() == (1,)
        finally:
            second.stop()
    assert wait_gone(list(second.pids.values()) + leftover, deadline_s=0) == []


def pg_ctl(tier: LocalTier, *args: str) -> None:
    logs = tier.home_dir / "logs" / "pg_ctl.log"
    done = subprocess.run(
        [str(bindir() / "pg_ctl"), *args, "-w", "-l", str(logs), "-D", str(tier.data_dir)],
        capture_output=True, text=True, timeout=60, cwd="/", **service_user().popen_kwargs(),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_stop_also_stops_a_postmaster_restarted_with_pg_ctl(tier_dir: Path) -> None:
    # Given a tier whose PostgreSQL an operator restarted: a new postmaster, no child of it
    tier = LocalTier(tier_dir, migrate=False, supervise=False).start()
    try:
        started = tier.pids["postgres"]
        pg_ctl(tier, "restart", "-m", "fast")
        restarted = running_postmaster(tier.data_dir)
        assert restarted is not None
        assert restarted != started
    finally:
        # When the tier stops
        tier.stop()
    # Then that postmaster is stopped too
    assert wait_gone([started, restarted], deadline_s=0) == []


def test_the_supervisor_leaves_a_postmaster_an_operator_started_to_them(tier_dir: Path) -> None:
    # Given a supervised tier whose PostgreSQL an operator restarts, and wins the race: the
    # supervisor is held back (its lock) until pg_ctl's postmaster is up
    tier = LocalTier(tier_dir, migrate=False).start()
    try:
        assert tier.supervisor is not None
        with tier.supervisor.lock:
            pg_ctl(tier, "restart", "-m", "fast")
            theirs = running_postmaster(tier.data_dir)
        # Then the supervisor stops watching PostgreSQL instead of starting one that would
        # fail on the lock file, again and again; the tier serves through the operator's
        wait_until(lambda: "postgres" not in tier.supervisor.starters, 10)
        time.sleep(1.0)  # several of the supervisor's polls
        assert running_postmaster(tier.data_dir) == theirs
        assert [r.name for r in tier.supervisor.restarts] == ["postgres"]
        with connect(tier.pgbouncer) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        tier.stop()
    # And it is still stopped with the tier
    assert theirs is not None
    assert wait_gone([theirs], deadline_s=0) == []


def test_the_cli_refuses_a_state_directory_in_use(tier: LocalTier) -> None:
    cli = subprocess.run(
        [sys.executable, "-m", "pokedex_local.tier", "--state-dir", str(tier.state_dir)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert cli.returncode != 0
    assert f"{tier.state_dir} is in use by pid {os.getpid()}" in cli.stderr
    with connect(tier.pgbouncer) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def launch_cli(state_dir: Path) -> tuple[subprocess.Popen[str], list[int]]:
    cli = subprocess.Popen(
        [sys.executable, "-m", "pokedex_local.tier", "--state-dir", str(state_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert cli.stdout is not None
    output = []
    for line in cli.stdout:
        output.append(line)
        if line.strip() == READY:
            break
    else:
        pytest.fail(f"the CLI exited before it was ready:\n{''.join(output)}")
    pids = json.loads((state_dir / "tier.json").read_text())["pids"]
    return cli, list(pids.values())


@pytest.fixture
def sigint_not_ignored() -> Iterator[None]:
    """A shell starts a background job with SIGINT ignored (`(make test &)`), children
    inherit that, and the CLI then rightly sits through Ctrl-C. A handled signal is reset
    to its default on exec, so the CLI started here gets SIGINT as a terminal would send it.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.mark.usefixtures("sigint_not_ignored")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_the_cli_stops_everything_on_a_signal(tier_dir: Path, signum: signal.Signals) -> None:
    cli, pids = launch_cli(tier_dir)
    try:
        assert all(alive(pid) for pid in pids)

        cli.send_signal(signum)

        assert cli.wait(30) == 0
        assert wait_gone(pids) == []
    finally:
        if cli.poll() is None:  # failed: leave nothing running (its children die with it)
            cli.kill()
            cli.wait(30)


def test_children_die_with_a_killed_launcher(tier_dir: Path) -> None:
    cli, pids = launch_cli(tier_dir)

    os.kill(cli.pid, signal.SIGKILL)  # no chance to clean up: the kernel's death signal does
    cli.wait(30)

    assert wait_gone(pids) == []


def test_the_state_is_private_and_a_fallback_home_is_not_left_behind(tmp_path: Path) -> None:
    # Given a tier whose state directory the service account may not enter (as pytest's
    # own temporary directories are, under root)
    state = tmp_path / "private" / "state"
    state.parent.mkdir()
    state.parent.chmod(0o700)
    with LocalTier(state, supervise=False) as tier:
        # Then its directory and its description are its owner's alone
        assert state.stat().st_mode & 0o777 == 0o700
        assert (state / "tier.json").stat().st_mode & 0o777 == 0o600
        home = Path(tier.describe()["data_dir"]).parent
        if home != state:  # run as root: the files went to a private, unpredictable place
            assert home.name.startswith("pokedex-tier-")
            assert home.stat().st_mode & 0o077 == 0
    # and nothing of it is left in /tmp after stop
    assert not home.exists() or home == state
