"""Cold starts the machine can afford: paced inits, throttling only on invocations in
flight, waiting invocations served by whichever environment frees first, and a fork
server that comes back after it is killed."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pokedex_local.tier.processes import alive
from tests.e2e.gateway_process import GatewayProcess, get, probe_gateway
from tests.e2e.test_environments import concurrently

pytestmark = pytest.mark.e2e


@pytest.fixture
def slow_inits(tmp_path: Path) -> Iterator[GatewayProcess]:
    """Inits of 0.4 s each, one at a time, under a reserved concurrency of 6."""
    gateway = probe_gateway(
        tmp_path, "--concurrency", "6", "--init-concurrency", "1",
        "--env=PROBE_INIT_SLEEP=0.4",
    )  # fmt: skip
    yield gateway
    gateway.stop()


def test_slow_inits_are_queued_not_throttled(slow_inits: GatewayProcess) -> None:
    # When six invocations arrive together and inits run one at a time
    began = time.monotonic()
    answers = concurrently(slow_inits.url + "/echo", 6)
    elapsed = time.monotonic() - began
    # Then none is throttled: six in flight is within the reserved concurrency
    assert [a.status for a in answers] == [200] * 6
    summary = slow_inits.environments()
    assert summary["throttles"] == 0
    # and the first environment took the later invocations while the next inits queued:
    # six inits in a row would take 2.4 s
    assert elapsed < 2.0, elapsed
    assert summary["init_concurrency"] == 1
    assert summary["alive"] + summary["starting"] <= 6


def test_a_killed_fork_server_is_replaced(tmp_path: Path) -> None:
    gateway = probe_gateway(tmp_path)
    try:
        first = get(gateway.url + "/echo").json()["pid"]
        fork_server = gateway.environments()["fork_server_pid"]
        # When the fork server is killed outright
        os.kill(fork_server, signal.SIGKILL)
        deadline = time.monotonic() + 2
        while alive(first) and time.monotonic() < deadline:
            time.sleep(0.02)
        # Then its environments went with it, and the next request gets a new one, at once
        began = time.monotonic()
        answer = get(gateway.url + "/echo")
        assert answer.status == 200
        assert time.monotonic() - began < 2
        assert answer.json()["pid"] != first
        summary = gateway.environments()
        assert summary["fork_server_restarts"] == 1
        assert summary["fork_server_pid"] != fork_server
        assert "starting a new one" in gateway.log()
    finally:
        gateway.stop()
