"""One scenario against a running stack: steady load, the fault, the answers measured."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pokedex_local.faultlab.faults import Target
from pokedex_local.faultlab.load import Load
from pokedex_local.faultlab.measure import measure
from pokedex_local.faultlab.scenarios import Observed, Params, Scenario, Verdict

COUNTERS = ("cold_starts", "invocations", "timeouts", "crashes", "function_errors")


@dataclass(frozen=True)
class Timing:
    clients: int = 100
    before_s: float = 5.0  # steady load before the fault
    after_s: float = 8.0  # observation after the broken part is back


@dataclass(frozen=True)
class Outcome:
    scenario: Scenario
    via: str
    clients: int
    observed: Observed
    verdicts: list[Verdict]

    @property
    def passed(self) -> bool:
        return all(v.passed for v in self.verdicts)

    def to_json(self) -> dict[str, Any]:
        o = self.observed
        return {
            "scenario": self.scenario.name,
            "title": self.scenario.title,
            "via": self.via,
            "clients": self.clients,
            "note": o.window.note,
            "counters_before": o.counters_before,
            "counters_after": o.counters_after,
            "secret_calls": o.secret_calls,
            "environments": o.environments,
            "slowest_failed_invocation_ms": max(o.handler_failures_ms, default=None),
            "measured": o.measured.to_json(),
            "verdicts": [vars(v) for v in self.verdicts],
            "passed": self.passed,
        }


def secret_calls(target: Target) -> int:
    """Secrets Manager calls since the stack started, every caller's: the environments'
    GetSecretValue, the tier's and the rotation's own calls (the endpoint logs each POST)."""
    log = Path(str(target.stack.description["logs_dir"])) / "secrets.log"
    with contextlib.suppress(OSError):
        return log.read_text(errors="replace").count('"POST / HTTP')
    return 0


def log_offset(target: Target) -> int:
    log = target.stack.log_path
    return log.stat().st_size if log is not None and log.exists() else 0


def handler_failures_ms(target: Target, offset: int) -> list[float]:
    """The handler's own duration of each failed request it logged since ``offset``: the
    time from the invocation to its answer, a cold start's init excluded."""
    log = target.stack.log_path
    if log is None:
        return []
    with log.open("rb") as f:
        f.seek(offset)
        lines = f.read().splitlines()
    found = []
    for line in lines:
        if not line.startswith(b'{"level"') or b'"message": "request"' not in line:
            continue
        with contextlib.suppress(ValueError):
            record = json.loads(line)
            if int(record.get("status", 200)) >= 500:
                found.append(float(record["duration_ms"]))
    return found


def warm_up(target: Target, clients: int, deadline_s: float = 120.0) -> None:
    """Load until every client has a warm environment: no cold start for two seconds."""

    async def run() -> None:
        load = Load(target.stack.api_url, clients, seed=99)
        task = asyncio.create_task(load.run())
        end = time.monotonic() + deadline_s
        last, quiet = -1, 0
        try:
            while quiet < 2 and time.monotonic() < end:
                await asyncio.sleep(1)
                admin = await asyncio.to_thread(target.admin)
                cold = int(admin["cold_starts"])
                quiet = quiet + 1 if cold == last and admin["starting"] == 0 else 0
                last = cold
        finally:
            load.stop()
            await task

    asyncio.run(run())


def _counters(target: Target) -> tuple[dict[str, int], int]:
    admin = target.admin()
    return {name: int(admin.get(name, 0)) for name in COUNTERS}, int(admin.get("alive", 0))


async def run_scenario(
    target: Target, scenario: Scenario, params: Params, timing: Timing, via: str
) -> Outcome:
    load = Load(target.stack.api_url, timing.clients)
    running = asyncio.create_task(load.run())
    extra = Load(target.stack.api_url, params.cold_clients, seed=7)
    extra_running: asyncio.Task[None] | None = None
    try:
        await asyncio.sleep(timing.before_s)
        before, _ = _counters(target)
        offset = log_offset(target)
        injecting = asyncio.create_task(asyncio.to_thread(scenario.inject, target, params))
        if scenario.cold_start:
            await asyncio.sleep(0.3)  # the outage has begun: the new clients meet it
            extra_running = asyncio.create_task(extra.run())
        window = await injecting
        await asyncio.sleep(timing.after_s)
    finally:
        load.stop()
        extra.stop()
        await running
        if extra_running is not None:
            await extra_running
    after, environments = _counters(target)
    measured = measure(load.answers + extra.answers, window, before_s=timing.before_s)
    failures_ms = handler_failures_ms(target, offset)
    observed = Observed(
        measured, window, before, after, secret_calls(target), environments, failures_ms
    )
    verdicts = scenario.judge(observed, params) if via == "proxy" else []
    return Outcome(scenario, via, timing.clients, observed, verdicts)
