"""The pool's scaling rules (lambda_env/pool.py) with the real Environment handles and frame
protocol, against a fork server that forks nothing (tests/unit/fake_fork_server.py)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator
from typing import Any
from unittest.mock import patch

import pytest

from pokedex_local.lambda_env import cold_start_pace, environment, logs
from pokedex_local.lambda_env.config import FunctionConfig
from pokedex_local.lambda_env.environment import Outcome
from pokedex_local.lambda_env.fork_server_client import SpawnError
from pokedex_local.lambda_env.pool import EnvironmentPool, Throttled
from pokedex_local.lambda_env.waiting_line import Abandoned
from tests.unit.fake_fork_server import FakeForkServer, settle

Scenario = Callable[[EnvironmentPool, FakeForkServer], Awaitable[None]]


@pytest.fixture(autouse=True)
def killed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The pids the pool killed (discarded environments), instead of kill(2)."""
    pids: list[int] = []
    monkeypatch.setattr(environment, "kill", pids.append)
    yield pids
    logs.flush()  # lines batched for a loop that has ended


def run(scenario: Scenario, **settings: Any) -> None:
    settings.setdefault("init_concurrency", 4)
    config = FunctionConfig("probe.handler", **settings)

    async def main() -> None:
        fork_server = FakeForkServer()
        with patch("pokedex_local.lambda_env.pool.ForkServer", lambda _config: fork_server):
            pool = EnvironmentPool(config)
        await pool.start()
        try:
            await scenario(pool, fork_server)
        finally:
            fork_server.hold.set()
            fork_server.init_gate.set()
            await pool.stop()
            await fork_server.stop()

    asyncio.run(main())


def event(**fields: Any) -> bytes:
    return json.dumps(fields).encode()


def served_by(outcome: Outcome) -> str:
    assert outcome.ok, outcome
    return str(json.loads(outcome.payload)["env"])


def invoking(pool: EnvironmentPool, count: int, **fields: Any) -> list[asyncio.Task[Outcome]]:
    return [asyncio.create_task(pool.invoke(f"r{i}", event(**fields))) for i in range(count)]


def test_a_cold_start_then_the_same_environment_warm() -> None:
    async def scenario(pool: EnvironmentPool, fork_server: FakeForkServer) -> None:
        outcomes = [await pool.invoke(f"r{i}", event()) for i in range(3)]
        assert [json.loads(o.payload) for o in outcomes] == [
            {"env": "env-1", "served": n} for n in (1, 2, 3)
        ]
        summary = pool.summary()
        assert (summary["created"], summary["cold_starts"], summary["invocations"]) == (1, 1, 3)
        assert (summary["alive"], summary["busy"], summary["idle"]) == (1, 0, 1)

    run(scenario)


def test_one_invocation_at_a_time_per_environment_so_a_burst_scales_out() -> None:
    async def scenario(pool: EnvironmentPool, fork_server: FakeForkServer) -> None:
        fork_server.hold.clear()
        first = invoking(pool, 5)
        await settle(lambda: fork_server.invocations_running == 5)
        assert pool.summary()["busy"] == 5
        fork_server.hold.set()
        first_envs = {served_by(o) for o in await asyncio.gather(*first)}
        assert len(first_envs) == 5
        # A second wave is served warm, by the environments already there
        second_envs = {served_by(o) for o in await asyncio.gather(*invoking(pool, 5))}
        assert second_envs <= first_envs
        assert (pool.summary()["created"], pool.summary()["cold_starts"]) == (5, 5)

    run(scenario)


def test_throttled_when_the_invocations_in_flight_reach_the_reserved_concurrency() -> None:
    async def scenario(pool: EnvironmentPool, fork_server: FakeForkServer) -> None:
        fork_server.hold.clear()
        running = invoking(pool, 3)
        await settle(lambda: fork_server.invocations_running == 3)
        async with asyncio.timeout(1):  # at once, or not at all
            with pytest.raises(Throttled):
                await pool.invoke("r-over", event())
        fork_server.hold.set()
        assert all(o.ok for o in await asyncio.gather(*running))
        summary = pool.summary()
        assert (summary["throttles"], summary["alive"]) == (1, 3)
        # Once they are done, the same load fits again
        assert served_by(await pool.invoke("r-after", event()))

    run(scenario, reserved_concurrency=3)


def test_invocations_waiting_for_an_environment_count_against_the_reserved_concurrency() -> None:
    async def scenario(pool: EnvironmentPool, fork_server: FakeForkServer) -> None:
        fork_server.init_gate.clear()
        waiting = invoking(pool, 2)
        await settle(lambda: pool.summary()["waiting"] == 2)
        async with asyncio.timeout(1):  # at once, or not at all
            with pytest.raises(Throttled):
                await pool.invoke("r-over", event())
        fork_server.init_gate.set()
        assert all(o.ok for o in await asyncio.gather(*waiting))

    run(scenario, reserved_concurrency=2)


def test_slow_inits_are_queued_init_concurrency_at_a_time_not_throttled() -> None:
    async def scenario(pool: EnvironmentPool, fork_server: FakeForkServer) -> None:
        fork_server.init_gate.clear()
        burst = invoking(pool, 6)
        await settle(lambda: fork_server.inits_running == 2)
        await asyncio.sleep(0.05)  # time for more to start, if the pool let them
        assert fork_server.inits_running == 2
        assert pool.summary()["starting"] == 6
        fork_server.init_gate.set()
        assert all(o.ok for o in await asyncio.gather(*burst))
        assert fork_server.most_inits_at_once == 2
        assert pool.summary()["throttles"] == 0

    run(scenario, reserved_concurrency=6, init_concurrency=2)


def test_first_invocations_are_paced_init_concurrency_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cold_start_pace, "FIRST_INVOCATION_PACE_S", 0.3)

    async def scenario(pool: EnvironmentPool, fork_server: FakeForkServer) -> None:
        fork_server.hold.clear()  # first invocations that take long
        burst = invoking(pool, 2)
        await settle(lambda: fork_server.invocations_running == 1)
        await asyncio.sleep(0.1)
        # The second environment is ready but its first invocation waits for the pace
        assert pool.summary()["never_invoked"] == 1
        assert fork_server.invocations_running == 1
        await settle(lambda: fork_server.invocations_running == 2, timeout_s=1.0)
        fork_server.hold.set()
        assert all(o.ok for o in await asyncio.gather(*burst))

    run(scenario, init_concurrency=1)


def test_waiting_invocations_whose_caller_left_are_dropped_before_throttling() -> None:
    async def scenario(pool: EnvironmentPool, fork_server: FakeForkServer) -> None:
        fork_server.init_gate.clear()
        callers_gone = False
        left = [
            asyncio.create_task(pool.invoke(f"r{i}", event(), lambda: callers_gone))
            for i in range(3)
        ]
        await settle(lambda: pool.summary()["waiting"] == 3)
        callers_gone = True  # e.g. their HTTP clients closed the connection
        # A new caller is not throttled: the three waiting ones have nobody to answer
        staying = asyncio.create_task(pool.invoke("r-stays", event()))
        await settle(lambda: all(t.done() for t in left))
        for task in left:
            with pytest.raises(Abandoned):
                task.result()
        fork_server.init_gate.set()
        assert (await staying).ok
        summary = pool.summary()
        assert (summary["abandoned"], summary["throttles"]) == (3, 0)

    run(scenario, reserved_concurrency=3)


@pytest.mark.parametrize(
    ("action", "kind", "counter"),
    [("crash", "crash", "crashes"), ("hang", "timeout", "timeouts")],
)
def test_a_crash_or_timeout_discards_the_environment(
    killed: list[int], action: str, kind: str, counter: str
) -> None:
    async def scenario(pool: EnvironmentPool, fork_server: FakeForkServer) -> None:
        assert served_by(await pool.invoke("r1", event())) == "env-1"
        pid = pool.pids["environments"][0]
        failed = await pool.invoke("r2", event(do=action))
        assert failed.kind == kind
        assert json.loads(failed.payload)["errorType"] in ("Runtime.ExitError", "Sandbox.Timedout")
        assert pid in killed
        # The next invocation gets a new environment, with a new init
        assert served_by(await pool.invoke("r3", event())) == "env-2"
        summary = pool.summary()
        assert (summary[counter], summary["alive"], summary["cold_starts"]) == (1, 1, 2)

    run(scenario, timeout_s=0.2)


def test_a_function_error_keeps_the_environment() -> None:
    async def scenario(pool: EnvironmentPool, fork_server: FakeForkServer) -> None:
        failed = await pool.invoke("r1", event(do="fail"))
        assert (failed.kind, json.loads(failed.payload)["env"]) == ("error", "env-1")
        assert served_by(await pool.invoke("r2", event())) == "env-1"
        assert pool.summary()["function_errors"] == 1

    run(scenario)


def test_an_init_error_answers_the_waiting_invocation_and_is_not_reused() -> None:
    async def scenario(pool: EnvironmentPool, fork_server: FakeForkServer) -> None:
        fork_server.init_fails = True
        for request_id in ("r1", "r2"):
            outcome = await pool.invoke(request_id, event())
            assert outcome.kind == "init_error"
            assert json.loads(outcome.payload)["errorType"] == "Runtime.ImportModuleError"
        assert fork_server.spawned == ["env-1", "env-2"]
        summary = pool.summary()
        assert (summary["init_errors"], summary["alive"]) == (2, 0)

    run(scenario)


def test_idle_environments_are_reclaimed_after_their_ttl(killed: list[int]) -> None:
    async def scenario(pool: EnvironmentPool, fork_server: FakeForkServer) -> None:
        assert served_by(await pool.invoke("r1", event())) == "env-1"
        pid = pool.pids["environments"][0]
        await settle(lambda: pool.summary()["reclaimed"] == 1)
        assert (pool.summary()["alive"], killed) == (0, [pid])
        assert served_by(await pool.invoke("r2", event())) == "env-2"

    run(scenario, idle_ttl_s=0.2)


def test_after_a_code_change_no_environment_runs_the_old_code_again() -> None:
    async def scenario(pool: EnvironmentPool, fork_server: FakeForkServer) -> None:
        assert served_by(await pool.invoke("r1", event())) == "env-1"
        fork_server.hold.clear()
        busy = asyncio.create_task(pool.invoke("r2", event()))
        await settle(lambda: fork_server.invocations_running == 1)
        pool.recycle()  # while env-1 is busy: it finishes, then goes
        fork_server.hold.set()
        assert served_by(await busy) == "env-1"
        assert pool.summary()["alive"] == 0
        assert served_by(await pool.invoke("r3", event())) == "env-2"
        assert pool.summary()["reloads"] == 1

    run(scenario)


def test_a_spawn_error_fails_the_invocation_that_waited_for_it() -> None:
    async def scenario(pool: EnvironmentPool, fork_server: FakeForkServer) -> None:
        fork_server.spawn_error = "the fork server is not running"
        with pytest.raises(SpawnError, match="not running"):
            await pool.invoke("r1", event())
        assert (pool.summary()["spawn_errors"], pool.summary()["waiting"]) == (1, 0)
        fork_server.spawn_error = None
        # The next invocation asks again (env-1 was the id of the one that never came)
        assert served_by(await pool.invoke("r2", event())) == "env-2"

    run(scenario)


def test_the_summary_lists_each_environment_and_brief_leaves_them_out() -> None:
    async def scenario(pool: EnvironmentPool, fork_server: FakeForkServer) -> None:
        await asyncio.gather(*invoking(pool, 2))
        fork_server.hold.clear()
        busy = asyncio.create_task(pool.invoke("r-busy", event()))
        await settle(lambda: fork_server.invocations_running == 1)
        listed = pool.summary()["environments"]
        assert sorted(e["state"] for e in listed) == ["busy", "idle"]
        assert sorted(e["invocations"] for e in listed) == [1, 2]
        assert all(e["initialised"] and "[$LATEST]" in e["log_stream"] for e in listed)
        assert "environments" not in pool.summary(brief=True)
        fork_server.hold.set()
        await busy

    run(scenario)


def test_stopping_discards_every_environment(killed: list[int]) -> None:
    pids: list[int] = []

    async def scenario(pool: EnvironmentPool, fork_server: FakeForkServer) -> None:
        await asyncio.gather(*invoking(pool, 3))
        pids.extend(pool.pids["environments"])

    run(scenario)
    assert (len(pids), sorted(killed)) == (3, sorted(pids))
