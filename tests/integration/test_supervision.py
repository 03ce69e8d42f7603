"""The tier's supervisor brings back what dies, on the same port, with the same state."""

from __future__ import annotations

import dataclasses
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from pokedex.secrets import SecretCache, SecretsManagerClient
from pokedex_local.dex import DEX_NUMBERS
from pokedex_local.tier import Endpoint, LocalTier
from pokedex_local.tier.processes import alive

pytestmark = pytest.mark.integration


def wait_until(probe: Callable[[], bool], deadline_s: float) -> float:
    """Seconds it took ``probe`` to answer True; fails the test past the deadline."""
    started = time.monotonic()
    while not probe():
        assert time.monotonic() - started < deadline_s, f"not within {deadline_s} s"
        time.sleep(0.02)
    return time.monotonic() - started


def app_answers(tier: LocalTier, endpoint: Endpoint | None = None) -> bool:
    """Whether the application role reads the Pokédex through ``endpoint`` (PgBouncer)."""
    target = endpoint or tier.pgbouncer
    app = dataclasses.replace(target, user=tier.app_user, password=tier.app_password)
    try:
        with psycopg.connect(app.conninfo(sslmode="require"), connect_timeout=2) as conn:
            return conn.execute("SELECT count(*) FROM pokemon").fetchone() == (DEX_NUMBERS,)
    except psycopg.OperationalError:
        return False


def test_a_killed_pgbouncer_is_back_within_two_seconds(tier: LocalTier) -> None:
    pid = tier.pids["pgbouncer"]
    os.kill(pid, signal.SIGKILL)
    # A signal is not delivered at once: until the supervisor has a new process, the old
    # one may still answer the probe.
    took = wait_until(lambda: tier.pids["pgbouncer"] != pid and app_answers(tier), deadline_s=2.0)
    assert not alive(pid)
    assert took < 2.0


def test_a_killed_postgres_is_started_again_with_its_data(tier: LocalTier) -> None:
    pid = tier.pids["postgres"]
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: tier.pids["postgres"] != pid, deadline_s=30.0)
    wait_until(lambda: app_answers(tier), deadline_s=30.0)


def test_a_killed_secrets_endpoint_comes_back_with_the_secrets(tier: LocalTier) -> None:
    pid = tier.pids["secrets"]
    os.kill(pid, signal.SIGKILL)
    env = tier.function_env()
    cache = SecretCache(tier.app_secret_name, SecretsManagerClient(env).get_secret_string)

    def readable() -> bool:
        try:
            return cache.get(refresh=True).password == tier.app_password
        except Exception:
            return False

    # Until the supervisor has a new process, the old one may still answer.
    wait_until(lambda: tier.pids["secrets"] != pid and readable(), deadline_s=10.0)
    assert not alive(pid)


def test_a_stopped_tier_restarts_nothing(tier_dir: Path) -> None:
    tier = LocalTier(tier_dir, max_connections=20, migrate=False)
    with tier:
        pids = tier.pids
    time.sleep(0.5)  # several supervisor polls
    assert not any(alive(pid) for pid in pids.values())
    assert tier.pids == {}
