"""The deadlines of pokedex/deadlines.py, as the synthesized template carries them."""

from __future__ import annotations

from typing import Any

import pytest

from pokedex import deadlines, pooling

pytestmark = pytest.mark.infra


def _api_function(synth: Any) -> dict[str, Any]:
    handler = "pokedex.handler.handler"
    functions = synth.resources("AWS::Lambda::Function")
    found = [f for f in functions.values() if f["Properties"].get("Handler") == handler]
    assert len(found) == 1, f"expected one function with handler {handler}"
    return found[0]


def test_the_proxy_borrow_timeout_is_the_shared_deadline(synth: Any) -> None:
    _, group = synth.one("AWS::RDS::DBProxyTargetGroup")
    pool = group["Properties"]["ConnectionPoolConfigurationInfo"]
    assert pool["ConnectionBorrowTimeout"] == deadlines.BORROW_TIMEOUT_S


def test_the_proxy_pool_shape_is_the_shared_one(synth: Any) -> None:
    # The numbers PgBouncer is configured from locally (pokedex/pooling.py).
    _, group = synth.one("AWS::RDS::DBProxyTargetGroup")
    pool = group["Properties"]["ConnectionPoolConfigurationInfo"]
    assert pool["MaxConnectionsPercent"] == pooling.MAX_CONNECTIONS_PERCENT
    assert pool["MaxIdleConnectionsPercent"] == pooling.MAX_IDLE_CONNECTIONS_PERCENT


def test_a_borrow_and_a_statement_end_before_the_function_does(synth: Any) -> None:
    timeout = _api_function(synth)["Properties"]["Timeout"]
    assert timeout == deadlines.FUNCTION_TIMEOUT_S
    worst = deadlines.BORROW_TIMEOUT_S + deadlines.STATEMENT_TIMEOUT_MS / 1000
    assert worst + deadlines.RETRY_BUDGET_S < timeout
