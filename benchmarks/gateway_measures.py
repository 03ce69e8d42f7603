"""What bench_gateway.py measures, one function per measurement.

Every latency figure goes through pokedex_local.percentile (nearest rank), and the
closed-loop load is the load lab's driver: the figures compare with the load lab's.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp

from handler_probe import smaps_rollup
from pokedex_local.dex import DEX_NUMBERS
from pokedex_local.event_loop import run
from pokedex_local.gateway import events
from pokedex_local.gateway.child_process import GatewayProcess
from pokedex_local.lambda_env.context import LambdaContext
from pokedex_local.loadlab.driver import GET_ONLY, run_load
from pokedex_local.loadlab.references import NOOP_HANDLER
from pokedex_local.percentile import percentile

BENCHMARKS = Path(__file__).resolve().parent


def summary(latencies_ms: list[float], errors: int, seconds: float) -> dict[str, Any]:
    def ms(p: float) -> float | None:
        value = percentile(latencies_ms, p)
        return None if value is None else round(value, 2)

    return {
        "requests": len(latencies_ms) + errors,
        "errors": errors,
        "throughput_rps": round(len(latencies_ms) / seconds, 1) if seconds else 0.0,
        "p50_ms": ms(50),
        "p90_ms": ms(90),
        "p99_ms": ms(99),
        "mean_ms": round(statistics.fmean(latencies_ms), 2) if latencies_ms else None,
        "max_ms": ms(100),
    }


def closed_loop(url: str, clients: int, warmup_s: float, duration_s: float) -> dict[str, Any]:
    """``clients`` clients of the load lab's driver on GET /poke_info/{n}; only what is sent
    after the warm-up counts. Throughput is over the measured window and its drain."""
    result = run(run_load(url, clients, duration_s, GET_ONLY, warmup_s=warmup_s))
    return summary(result.latencies_ms, result.failed, result.wall_s)


def _get_random(session: aiohttp.ClientSession, url: str) -> Callable[[], Awaitable[int]]:
    """A function sending one GET /poke_info/{random n} and giving its status."""

    async def one() -> int:
        async with session.get(f"{url}/poke_info/{random.randint(1, DEX_NUMBERS)}") as answer:
            await answer.read()
            return answer.status

    return one


async def fill(url: str, clients: int, deadline_s: float = 300.0) -> int:
    """Waves of ``clients`` concurrent requests until one wave succeeds entirely.

    The first wave cold-starts ~``clients`` environments at once; each imports psycopg
    (~0.3 s of CPU), so on two cores the wave takes tens of seconds and some requests hit
    the 30 s integration timeout (503). Measuring starts once every environment is warm.
    """
    timeout = aiohttp.ClientTimeout(total=120)
    connector = aiohttp.TCPConnector(limit=clients)
    end = time.monotonic() + deadline_s
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        one = _get_random(session, url)
        waves = 0
        while time.monotonic() < end:
            waves += 1
            if set(await asyncio.gather(*(one() for _ in range(clients)))) == {200}:
                return waves
    raise RuntimeError(f"the environments were not all warm after {deadline_s} s")


async def burst(url: str, count: int) -> list[int]:
    """``count`` requests at once, each waited for as long as it takes."""
    connector = aiohttp.TCPConnector(limit=count)
    timeout = aiohttp.ClientTimeout(total=1800)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        one = _get_random(session, url)
        statuses: list[int] = await asyncio.gather(*(one() for _ in range(count)))
        return statuses


def in_process(env: dict[str, str], duration_s: float, log: Path) -> dict[str, Any]:
    """The same requests, the handler called directly: no gateway, no environment.

    The handler's log lines go to a file, as the environments' go to the gateway's log.
    """
    saved = os.dup(1), os.dup(2)
    with log.open("ab") as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
    try:
        return _in_process(env, duration_s)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)


def poke_info_event(n: int) -> dict[str, Any]:
    """The event the gateway builds for GET /poke_info/{n}, for a handler called directly."""
    request = events.HttpRequest(
        "GET",
        f"/poke_info/{n}",
        "",
        [("Host", "127.0.0.1"), ("User-Agent", "bench"), ("Accept", "*/*")],
        b"",
        "127.0.0.1",
    )
    return events.build_event(
        request, "GET /poke_info/{dex_number}", {"dex_number": str(n)}, "bench"
    )


def _in_process(env: dict[str, str], duration_s: float) -> dict[str, Any]:
    os.environ.update(env)
    from pokedex.handler import handler  # the module's init, after its environment is set

    def call() -> dict[str, Any]:
        n = random.randint(1, DEX_NUMBERS)
        return handler(poke_info_event(n), LambdaContext("bench", time.monotonic() + 30))

    for _ in range(200):  # warm: the connection, the secret, the code paths
        call()
    latencies_ms: list[float] = []
    errors = 0
    end = time.perf_counter() + duration_s
    while (started := time.perf_counter()) < end:
        response = call()
        # The response is serialised as the runtime would, to compare like with like.
        json.dumps(response)
        if response.get("statusCode") == 200:
            latencies_ms.append((time.perf_counter() - started) * 1000)
        else:
            errors += 1
    return summary(latencies_ms, errors, duration_s)


def gateway_alone(work: Path, clients: int, duration_s: float) -> dict[str, Any]:
    """The gateway and environments with the load lab's no-op function (no database): the
    ceiling the gateway itself puts on throughput."""
    work.mkdir()
    gateway = GatewayProcess(work, "--handler", NOOP_HANDLER)
    try:
        return closed_loop(gateway.url, clients, 3.0, duration_s)
    finally:
        gateway.stop()


def capacity(env: dict[str, str], work: Path, count: int, preload: str) -> dict[str, Any]:
    """``count`` invocations in flight at once, each in its own environment holding its own
    TLS connection to the database, then the memory those environments take.

    The handler is the real one followed by a pause (benchmarks/hold_handler.py), so that
    every environment stays busy until all have started. The timeouts are lifted: on two
    cores a storm of cold starts outlasts the 30 s integration timeout.
    """
    work.mkdir()
    gateway = GatewayProcess(
        work,
        "--handler=hold_handler.handler",
        f"--pythonpath={BENCHMARKS}",
        f"--concurrency={count}",
        "--integration-timeout=1800",
        "--timeout=1800",
        f"--preload={preload}",
        "--env=HOLD_S=5",
        *(f"--env={key}={value}" for key, value in env.items()),
    )
    try:
        began = time.monotonic()
        statuses = run(burst(gateway.url, count))
        elapsed = time.monotonic() - began
        environments = gateway.environments()
        used = memory([e["pid"] for e in environments["environments"]])
    finally:
        gateway.stop()
    return {
        "requested": count,
        "preload": preload or None,
        "ok": statuses.count(200),
        "statuses": {str(code): statuses.count(code) for code in sorted(set(statuses))},
        "environments": environments["alive"],
        "cold_starts": environments["cold_starts"],
        "throttles": environments["throttles"],
        "seconds": round(elapsed, 1),
        "memory": used,
    }


def init_durations(log: str) -> dict[str, float]:
    values = [
        float(line.rsplit("Init Duration: ", 1)[1].split()[0])
        for line in log.splitlines()
        if "Init Duration: " in line
    ]
    return {
        "first": values[0],
        "median": round(statistics.median(values), 1),
        "max": round(max(values), 1),
    }


def memory(pids: list[int]) -> dict[str, Any]:
    """PSS (shared pages split among sharers) and USS (pages only this process has), MB."""
    pss, uss, rss = [], [], []
    for pid in pids:
        try:
            fields = smaps_rollup(pid)
        except (OSError, ValueError):
            continue
        pss.append(fields["Pss"] / 1024)
        uss.append((fields["Private_Clean"] + fields["Private_Dirty"]) / 1024)
        rss.append(fields["Rss"] / 1024)
    return {
        "environments": len(pss),
        "pss_mb_median": round(statistics.median(pss), 2),
        "uss_mb_median": round(statistics.median(uss), 2),
        "rss_mb_median": round(statistics.median(rss), 2),
        "pss_mb_total": round(sum(pss), 1),
    }
