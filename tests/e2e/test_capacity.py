"""A thousand invocations in flight at once, each in its own environment."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.gateway_process import probe_gateway

pytestmark = pytest.mark.e2e

# The account's default concurrency; POKEDEX_E2E_CAPACITY lowers it on a small machine.
CAPACITY = int(os.environ.get("POKEDEX_E2E_CAPACITY", "1000"))
HOLD_S = 3.0


async def hold_all(url: str, count: int) -> list[tuple[int, int]]:
    connector = aiohttp.TCPConnector(limit=count)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def one() -> tuple[int, int]:
            async with session.get(f"{url}/sleep/{HOLD_S}") as answer:
                return answer.status, (await answer.json())["pid"]

        return await asyncio.gather(*(one() for _ in range(count)))


def test_a_thousand_concurrent_environments(tmp_path: Path) -> None:
    gateway = probe_gateway(tmp_path, "--concurrency", str(CAPACITY), "--timeout", "60")
    try:
        began = time.monotonic()
        answers = asyncio.run(hold_all(gateway.url, CAPACITY))
        elapsed = time.monotonic() - began
        summary = gateway.environments()
        # An environment made for an invocation that a freed one took first may still be
        # in its init: it is created but not yet counted alive. Wait for those to finish.
        deadline = time.monotonic() + 30
        while summary["starting"] and time.monotonic() < deadline:
            time.sleep(0.2)
            summary = gateway.environments()
    finally:
        gateway.stop()
    assert {status for status, _ in answers} == {200}
    # An environment is created only when all others are busy, and none was reclaimed:
    # a thousand invocations in flight together made a thousand environments. (An
    # invocation takes whichever is free first, a new one or one that has just finished,
    # so the answers may name fewer pids: see pool.py.)
    assert summary["created"] == summary["alive"] == CAPACITY
    assert len({pid for _, pid in answers}) == summary["cold_starts"]
    assert summary["throttles"] == summary["spawn_errors"] == 0
    # In waves it would take CAPACITY / 2 cores x HOLD_S; together, seconds of forking.
    assert elapsed < 60, elapsed
