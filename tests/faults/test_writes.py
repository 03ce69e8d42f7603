"""Nothing acknowledged is lost and nothing is written twice, across an environment killed
mid-invocation and a PostgreSQL SIGKILL: the durability run of `make chaos`, shortened."""

from __future__ import annotations

import pytest

from pokedex_local.auth.token import bearer_minter
from pokedex_local.faultlab import durability
from pokedex_local.faultlab.faults import Target

pytestmark = [pytest.mark.e2e, pytest.mark.faults]


def test_acknowledged_writes_survive_crashes_once_each(target: Target) -> None:
    result = durability.run(target, bearer_minter(target.stack.description), writers=8, seconds=8.0)
    figures = durability.render(result)
    assert len(result.faults) == 2, f"both faults were injected: {figures}"
    assert result.acknowledged > 100, f"the writers wrote: {figures}"
    assert result.lost == [], figures
    assert result.duplicates == {}, figures
    # Every write was answered in the end; each one answered is exactly one row.
    assert result.unanswered == 0, figures
    assert result.rows == result.acknowledged, figures
