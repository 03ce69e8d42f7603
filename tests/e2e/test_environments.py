"""Execution environments behave like Lambda's: cold then warm, one invocation at a time,
scale-out, throttling, timeouts and crashes that reset, idle reclaim, clean shutdown."""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from pokedex_local.tier.processes import alive
from tests.e2e.gateway_process import GatewayProcess, Response, get, probe_gateway

pytestmark = pytest.mark.e2e


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[..., GatewayProcess]]:
    started: list[GatewayProcess] = []

    def start_gateway(*args: str, env: dict[str, str] | None = None) -> GatewayProcess:
        """``env``: the function's variables (the gateway's own never leak into it)."""
        workdir = tmp_path / f"gateway-{len(started)}"
        workdir.mkdir()
        variables = [f"--env={key}={value}" for key, value in (env or {}).items()]
        started.append(probe_gateway(workdir, *args, *variables))
        return started[-1]

    yield start_gateway
    for gateway in started:
        gateway.stop()


def concurrently(url: str, count: int) -> list[Response]:
    with ThreadPoolExecutor(count) as threads:
        return list(threads.map(lambda _: get(url), range(count)))


def test_cold_start_then_warm_reuse(start: Callable[..., GatewayProcess]) -> None:
    gateway = start()
    # When three requests arrive one after the other
    answers = [get(gateway.url + "/echo").json() for _ in range(3)]
    # Then one environment served them all, and its init ran once
    assert len({a["pid"] for a in answers}) == 1
    assert len({a["init_id"] for a in answers}) == 1
    assert [a["invocations"] for a in answers] == [1, 2, 3]
    log = gateway.log()
    assert log.count("REPORT RequestId:") == 3
    assert log.count("Init Duration:") == 1
    assert log.count("START RequestId:") == log.count("END RequestId:") == 3
    # The handler's own output is forwarded into its invocation's START..END
    request_id = answers[0]["context"]["aws_request_id"]
    lines = log.splitlines()
    begin = lines.index(f"START RequestId: {request_id} Version: $LATEST")
    assert lines[begin + 1] == f"probe handled {request_id}"
    summary = gateway.environments()
    assert (summary["alive"], summary["cold_starts"], summary["invocations"]) == (1, 1, 3)


def test_scale_out_with_one_invocation_at_a_time(start: Callable[..., GatewayProcess]) -> None:
    gateway = start()
    # When ten slow requests are in flight together, twice
    began = time.monotonic()
    first = concurrently(gateway.url + "/sleep/1", 10)
    elapsed = time.monotonic() - began
    second = concurrently(gateway.url + "/sleep/0.5", 10)
    results = [r.json() for r in first + second]
    # Then the first wave needed ten environments, which ran in parallel
    assert len({r["pid"] for r in results[:10]}) == 10
    assert elapsed < 5
    # and no environment ever ran two invocations at once
    by_pid: dict[int, list[Any]] = defaultdict(list)
    for r in results:
        by_pid[r["pid"]].append((r["started"], r["finished"]))
    for spans in by_pid.values():
        spans.sort()
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))
    # and the second wave was served warm, by the environments already there
    assert set(by_pid) == {r["pid"] for r in results[:10]}
    summary = gateway.environments()
    assert summary["cold_starts"] == 10
    assert summary["alive"] == 10


def test_throttled_beyond_reserved_concurrency(start: Callable[..., GatewayProcess]) -> None:
    gateway = start("--concurrency", "3")
    answers = concurrently(gateway.url + "/sleep/1.5", 6)
    statuses = sorted(a.status for a in answers)
    assert statuses == [200, 200, 200, 500, 500, 500]
    throttled = [a for a in answers if a.status == 500]
    assert all(a.json() == {"message": "Internal Server Error"} for a in throttled)
    summary = gateway.environments()
    assert (summary["throttles"], summary["alive"]) == (3, 3)
    assert gateway.log().count("THROTTLED: reserved concurrency 3 reached") == 3


@pytest.mark.parametrize(("path", "counter"), [("/sleep/5", "timeouts"), ("/crash", "crashes")])
def test_timeout_or_crash_resets_the_environment(
    start: Callable[..., GatewayProcess], path: str, counter: str
) -> None:
    gateway = start("--timeout", "1")
    before = get(gateway.url + "/echo").json()
    began = time.monotonic()
    failed = get(gateway.url + path)
    assert failed.status == 500
    assert time.monotonic() - began < 3
    after = get(gateway.url + "/echo").json()
    # A new environment, so a new init, and the old one is gone
    assert after["pid"] != before["pid"]
    assert after["init_id"] != before["init_id"]
    assert after["invocations"] == 1
    assert not alive(before["pid"])
    assert gateway.environments()[counter] == 1
    if counter == "timeouts":
        assert "Task timed out after 1.00 seconds" in gateway.log()


def test_idle_environments_are_reclaimed(start: Callable[..., GatewayProcess]) -> None:
    gateway = start("--idle-ttl", "0.5")
    pid = get(gateway.url + "/echo").json()["pid"]
    time.sleep(1.5)
    summary = gateway.environments()
    assert (summary["alive"], summary["reclaimed"]) == (0, 1)
    assert not alive(pid)
    assert get(gateway.url + "/echo").json()["pid"] != pid


def test_init_error_is_500_and_retried_in_a_new_environment(
    start: Callable[..., GatewayProcess],
) -> None:
    gateway = start(env={"PROBE_INIT_FAIL": "1"})
    assert get(gateway.url + "/echo").status == 500
    assert get(gateway.url + "/echo").status == 500
    summary = gateway.environments()
    assert (summary["init_errors"], summary["alive"]) == (2, 0)
    assert "Status: error\tError Type: Runtime.ImportModuleError" in gateway.log()


def test_init_over_its_limit_is_500(start: Callable[..., GatewayProcess]) -> None:
    gateway = start("--init-timeout", "1", env={"PROBE_INIT_SLEEP": "3"})
    began = time.monotonic()
    assert get(gateway.url + "/echo").status == 500
    assert time.monotonic() - began < 2.5
    assert "Phase: init\tStatus: timeout" in gateway.log()


def test_stopping_leaves_no_process(start: Callable[..., GatewayProcess]) -> None:
    gateway = start()
    pids = {r.json()["pid"] for r in concurrently(gateway.url + "/sleep/0.5", 5)}
    gateway.stop()
    assert gateway.process.returncode == 0
    assert not alive(gateway.fork_server_pid)
    assert not any(alive(pid) for pid in pids)
    assert '"invocations": 5' in gateway.log()  # the summary printed at exit


def test_a_waiting_invocation_whose_client_left_is_dropped(
    start: Callable[..., GatewayProcess],
) -> None:
    # Three clients give up while their invocations wait for slow cold starts, filling the
    # reserved concurrency (3). A fourth client is then served, not throttled: invocations
    # nobody waits for any more no longer count (none had started to run).
    gateway = start("--concurrency", "3", env={"PROBE_INIT_SLEEP": "2"})
    impatient = concurrently_with_timeout(gateway.url + "/echo", 3, timeout=0.3)
    assert impatient == ["timed out"] * 3
    time.sleep(0.2)  # the gateway sees the connections close
    assert get(gateway.url + "/echo").status == 200
    summary = gateway.environments()
    assert (summary["abandoned"], summary["throttles"]) == (3, 0)


def concurrently_with_timeout(url: str, count: int, timeout: float) -> list[str]:
    def one(_: int) -> str:
        try:
            return str(get(url, timeout=timeout).status)
        except TimeoutError:
            return "timed out"

    with ThreadPoolExecutor(count) as threads:
        return list(threads.map(one, range(count)))
