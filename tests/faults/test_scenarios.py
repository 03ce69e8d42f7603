"""Every fault lab scenario, shortened, against one stack: each fails if it misses a target.

The scenarios run in the lab's order on one stack, as `make chaos` runs them: the
password rotation comes before the PgBouncer kill, so the reconnections that kill forces
are made with a password rotated under the environments' feet.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from pokedex_local.faultlab import report
from pokedex_local.faultlab.faults import Target
from pokedex_local.faultlab.lab import Outcome, Timing, run_scenario
from pokedex_local.faultlab.scenarios import SCENARIOS, Params, Scenario
from tests.faults.conftest import CLIENTS

pytestmark = [pytest.mark.e2e, pytest.mark.faults]

# Fewer clients and shorter phases than `make chaos`; the outage must still outlast a cold
# start on two busy cores (about 3 s), or no cold start would meet it.
PARAMS = Params(lock_s=8.0, secrets_down_s=7.0, cold_clients=6)
TIMING = Timing(clients=CLIENTS, before_s=2.0, after_s=3.0)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario_meets_its_targets(
    scenario: Scenario, target: Target, outcomes: list[Outcome]
) -> None:
    outcome = asyncio.run(run_scenario(target, scenario, PARAMS, TIMING, "proxy"))
    outcomes.append(outcome)
    missed = [f"{v.target}: {v.measured}" for v in outcome.verdicts if not v.passed]
    assert outcome.verdicts, "a scenario through the proxy always has targets"
    assert not missed, f"{scenario.name} missed {missed}; {report.one_line(outcome)}"


def test_the_report_has_every_scenario(outcomes: list[Outcome], tmp_path: Path) -> None:
    assert [o.scenario.name for o in outcomes] == [s.name for s in SCENARIOS]
    docs = tmp_path / "reliability.md"
    docs.write_text(f"intro\n{report.BEGIN}\nSTALE TABLE\n{report.END}\noutro\n")
    report.write(report.document(outcomes, PARAMS), tmp_path, docs)
    written = json.loads((tmp_path / "faults.json").read_text())
    assert [r["scenario"] for r in written["results"]] == [s.name for s in SCENARIOS]
    assert written["results"][0]["measured"]["seconds"], "per-second results"
    assert (tmp_path / "faults.png").stat().st_size > 10_000
    text = docs.read_text()
    assert text.startswith("intro\n")
    assert text.endswith("outro\n")
    assert "STALE TABLE" not in text
    assert all(f"`{s.name}`" in text for s in SCENARIOS)
