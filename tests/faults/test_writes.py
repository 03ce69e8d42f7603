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
    print(durability.render(result))
    assert len(result.faults) == 2, "both faults were injected"
    assert result.acknowledged > 100, "the writers wrote"
    assert result.lost == []
    assert result.duplicates == {}
    # Every write was answered in the end; each one answered is exactly one row.
    assert result.unanswered == 0
    assert result.rows == result.acknowledged
