"""One scenario against a running stack: steady load, the fault, the answers measured."""

from __future__ import annotations

import asyncio
import contextlib
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
            "measured": o.measured.to_json(),
            "verdicts": [vars(v) for v in self.verdicts],
            "passed": self.passed,
        }


def secret_calls(target: Target) -> int:
    """Secrets Manager calls since the stack started, every caller's: the environments'
    GetSecretValue, the tier's and the rotation's own calls (moto logs each POST)."""
    log = Path(str(target.stack.description["logs_dir"])) / "secrets.log"
    with contextlib.suppress(OSError):
        return log.read_text(errors="replace").count('"POST / HTTP')
    return 0


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
    observed = Observed(measured, window, before, after, secret_calls(target), environments)
    verdicts = scenario.judge(observed, params) if via == "proxy" else []
    return Outcome(scenario, via, timing.clients, observed, verdicts)
