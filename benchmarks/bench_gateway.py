"""Throughput and latency of GET /poke_info/{n} through the local gateway, and its overhead.

Against the real stack (the database tier, PgBouncer, the gateway, the execution
environments running pokedex.handler), three measurements of the same requests (random n):

  in_process   the handler called directly, in this process, one call at a time;
  gateway_c1   through the gateway, one client, one request at a time: the difference from
               in_process is the gateway's own overhead per request (HTTP, the event, the
               pipe to the environment and back, the response mapping);
  gateway_c100 through the gateway, 100 concurrent clients: throughput and p50/p99;
  gateway_alone the same clients against a handler that does nothing (no database): the
               ceiling the gateway and the environments themselves put on throughput.

Then the memory of each environment (PSS and USS from /proc/<pid>/smaps_rollup).
Writes benchmarks/results/gateway.json and prints a table.

    uv run --frozen python benchmarks/bench_gateway.py [--clients 100] [--duration 15]

The load generator shares the machine's cores with everything it measures: the figures
are for this machine as a whole, not for the gateway alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from handler_probe import smaps_rollup  # noqa: E402  (benchmarks/ is the script's own directory)
from pokedex_local import dex  # noqa: E402
from pokedex_local.gateway import events  # noqa: E402
from pokedex_local.lambda_env.context import LambdaContext  # noqa: E402
from pokedex_local.tier import LocalTier  # noqa: E402
from tests.e2e.gateway_process import GatewayProcess  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "gateway.json"
DEX_NUMBERS = range(1, dex.DEX_NUMBERS + 1)

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """The load generator on uvloop when it imports: it shares the two cores with what it
    measures, and on plain asyncio its HTTP client took ~25% of the CPU at 100 clients."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


def summarise(latencies_s: list[float], elapsed_s: float, errors: int) -> dict[str, Any]:
    ms = sorted(x * 1000 for x in latencies_s)
    centiles = statistics.quantiles(ms, n=100, method="inclusive")
    return {
        "requests": len(ms),
        "errors": errors,
        "throughput_rps": round(len(ms) / elapsed_s, 1),
        "p50_ms": round(centiles[49], 2),
        "p90_ms": round(centiles[89], 2),
        "p99_ms": round(centiles[98], 2),
        "mean_ms": round(statistics.fmean(ms), 2),
        "max_ms": round(ms[-1], 2),
    }


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

        async def one() -> int:
            async with session.get(f"{url}/poke_info/{random.choice(DEX_NUMBERS)}") as answer:
                await answer.read()
                return answer.status

        waves = 0
        while time.monotonic() < end:
            waves += 1
            if set(await asyncio.gather(*(one() for _ in range(clients)))) == {200}:
                return waves
    raise RuntimeError(f"the environments were not all warm after {deadline_s} s")


async def load(
    url: str, clients: int, warmup_s: float, duration_s: float, path: str | None = None
) -> dict[str, Any]:
    """``clients`` closed-loop clients; only what completes after the warm-up counts.

    ``path``: always this path instead of /poke_info/{random n}.
    """
    latencies: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=clients)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        begin = time.perf_counter()
        measure_from = begin + warmup_s
        end = measure_from + duration_s

        async def client() -> None:
            nonlocal errors
            while (started := time.perf_counter()) < end:
                target = path or f"/poke_info/{random.choice(DEX_NUMBERS)}"
                async with session.get(url + target) as answer:
                    await answer.read()
                    ok = answer.status == 200
                if started >= measure_from:
                    latencies.append(time.perf_counter() - started)
                    errors += not ok

        await asyncio.gather(*(client() for _ in range(clients)))
    return summarise(latencies, duration_s, errors)


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


def _in_process(env: dict[str, str], duration_s: float) -> dict[str, Any]:
    os.environ.update(env)
    from pokedex.handler import handler  # the module's init, after its environment is set

    def event(n: int) -> dict[str, Any]:
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

    call: Callable[[], dict[str, Any]] = lambda: handler(  # noqa: E731
        event(random.choice(DEX_NUMBERS)), LambdaContext("bench", time.monotonic() + 30)
    )
    for _ in range(200):  # warm: the connection, the secret, the code paths
        call()
    latencies: list[float] = []
    errors = 0
    end = time.perf_counter() + duration_s
    while (started := time.perf_counter()) < end:
        response = call()
        # The response is serialised as the runtime would, to compare like with like.
        json.dumps(response)
        latencies.append(time.perf_counter() - started)
        errors += response.get("statusCode") != 200
    return summarise(latencies, duration_s, errors)


async def burst(url: str, count: int) -> list[int]:
    """``count`` requests at once, each waited for as long as it takes."""
    connector = aiohttp.TCPConnector(limit=count)
    timeout = aiohttp.ClientTimeout(total=1800)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def one() -> int:
            async with session.get(f"{url}/poke_info/{random.choice(DEX_NUMBERS)}") as answer:
                await answer.read()
                return answer.status

        return await asyncio.gather(*(one() for _ in range(count)))


def gateway_alone(work: Path, clients: int, duration_s: float) -> dict[str, Any]:
    """The gateway and environments with a handler that does nothing (returns a string):
    the ceiling the gateway itself puts on throughput."""
    work.mkdir()
    gateway = GatewayProcess(
        work,
        "--handler=probe.handler",
        "--routes=routes:ROUTES",
        "--pythonpath=" + str(ROOT / "tests" / "e2e" / "handlers"),
    )
    try:
        return run(load(gateway.url, clients, 3.0, duration_s, path="/string"))
    finally:
        gateway.stop()


def capacity(env: dict[str, str], work: Path, count: int, preload: str) -> dict[str, Any]:
    """``count`` invocations in flight at once, each in its own environment holding its own
    TLS connection to the database, then the memory those environments take.

    The handler is the real one followed by a pause (tests/e2e/handlers/hold.py), so that
    every environment stays busy until all have started. The timeouts are lifted: on two
    cores a storm of cold starts outlasts the 30 s integration timeout.
    """
    work.mkdir()
    gateway = GatewayProcess(
        work,
        "--handler=hold.handler",
        "--pythonpath=" + str(ROOT / "tests" / "e2e" / "handlers"),
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
        summary = gateway.environments()
        used = memory([e["pid"] for e in summary["environments"]])
    finally:
        gateway.stop()
    return {
        "requested": count,
        "preload": preload or None,
        "ok": statuses.count(200),
        "statuses": {str(code): statuses.count(code) for code in sorted(set(statuses))},
        "environments": summary["alive"],
        "cold_starts": summary["cold_starts"],
        "throttles": summary["throttles"],
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


def main() -> None:
    parser = argparse.ArgumentParser(description="Throughput and latency through the gateway.")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--duration", type=float, default=15.0, help="seconds measured")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds before measuring")
    parser.add_argument("--via", choices=("proxy", "direct"), default="proxy")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--capacity",
        type=int,
        default=0,
        help="also hold this many invocations in flight at once (e.g. 1000) and measure them",
    )
    parser.add_argument(
        "--preload", default="", help="modules the fork server preloads for --capacity"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-gateway-") as scratch:
        work = Path(scratch)
        with LocalTier(work / "tier") as tier:
            env = tier.function_env(args.via)
            gateway = GatewayProcess(
                work,
                "--handler",
                "pokedex.handler.handler",
                *(f"--env={key}={value}" for key, value in env.items()),
            )
            try:
                print("in-process baseline ...", file=sys.stderr)
                direct = in_process(env, min(args.duration, 10.0), work / "in_process.log")
                print("gateway, 1 client ...", file=sys.stderr)
                single = run(load(gateway.url, 1, 2.0, min(args.duration, 10.0)))
                print(f"warming {args.clients} environments ...", file=sys.stderr)
                began = time.monotonic()
                waves = run(fill(gateway.url, args.clients))
                warmed_s = round(time.monotonic() - began, 1)
                print(f"gateway, {args.clients} clients ...", file=sys.stderr)
                loaded = run(load(gateway.url, args.clients, args.warmup, args.duration))
                summary = gateway.environments()
                init_ms = init_durations(gateway.log())
                env_memory = memory([e["pid"] for e in summary["environments"]])
                fork_server = memory([summary["fork_server_pid"]])
            finally:
                gateway.stop()
            print(f"gateway alone (trivial handler), {args.clients} clients ...", file=sys.stderr)
            alone = gateway_alone(work / "alone", args.clients, min(args.duration, 10.0))
            held = None
            if args.capacity:
                print(f"{args.capacity} invocations in flight ...", file=sys.stderr)
                held = capacity(env, work / "capacity", args.capacity, args.preload)

    results = {
        "benchmark": "GET /poke_info/{n}, n random in 1..1025",
        "command": "uv run --frozen python benchmarks/bench_gateway.py " + " ".join(sys.argv[1:]),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "kernel": platform.release(),
        },
        "connection_mode": args.via,
        "clients": args.clients,
        "warmup_s": args.warmup,
        "duration_s": args.duration,
        "in_process": direct,
        "gateway_c1": single,
        f"gateway_c{args.clients}": loaded,
        "gateway_alone": alone,
        "gateway_overhead_ms": {
            "p50": round(single["p50_ms"] - direct["p50_ms"], 2),
            "mean": round(single["mean_ms"] - direct["mean_ms"], 2),
        },
        "warm_up": {"waves": waves, "seconds": warmed_s},
        # Wall time of each cold start, as REPORT lines give it; the first is alone on the
        # machine, the rest cold-started together in the warm-up's first wave.
        "init_duration_ms": init_ms,
        "environments": {
            "alive": summary["alive"],
            "cold_starts": summary["cold_starts"],
            "invocations": summary["invocations"],
            "throttles": summary["throttles"],
            "memory": env_memory,
            "fork_server_memory": fork_server,
        },
    }
    if held is not None:
        results["capacity"] = held
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print_table(results, args.clients)


def print_table(results: dict[str, Any], clients: int) -> None:
    print(f"\n{'scenario':<16}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    for name in ("in_process", "gateway_c1", f"gateway_c{clients}", "gateway_alone"):
        r = results[name]
        print(
            f"{name:<16}{r['throughput_rps']:>10}{r['p50_ms']:>10}{r['p99_ms']:>10}{r['errors']:>8}"
        )
    overhead = results["gateway_overhead_ms"]
    print(f"\ngateway overhead per request: p50 {overhead['p50']} ms, mean {overhead['mean']} ms")
    envs = results["environments"]
    mem = envs["memory"]
    print(
        f"environments: {envs['alive']} alive, {envs['cold_starts']} cold starts; per environment "
        f"PSS {mem['pss_mb_median']} MB, USS {mem['uss_mb_median']} MB (median)"
    )
    if "capacity" in results:
        held = results["capacity"]
        mem = held["memory"]
        print(
            f"capacity: {held['ok']}/{held['requested']} in flight at once in "
            f"{held['environments']} environments ({held['seconds']} s, preload "
            f"{held['preload']}); per environment PSS {mem['pss_mb_median']} MB, "
            f"USS {mem['uss_mb_median']} MB; total PSS {mem['pss_mb_total']} MB"
        )


if __name__ == "__main__":
    main()
