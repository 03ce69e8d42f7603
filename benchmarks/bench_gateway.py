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

The clients are the load lab's driver and every percentile is by nearest rank
(pokedex_local.percentile), so the figures compare with the load lab's; a request that
fails counts as an error, not in the latencies.

Then the memory of each environment (PSS and USS from /proc/<pid>/smaps_rollup).
Writes benchmarks/results/gateway.json and prints a table.

    uv run --frozen python benchmarks/bench_gateway.py [--clients 100] [--duration 15]

The load generator shares the machine's cores with everything it measures: the figures
are for this machine as a whole, not for the gateway alone.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from gateway_measures import (  # benchmarks/ is the script's own directory
    capacity,
    closed_loop,
    fill,
    gateway_alone,
    in_process,
    init_durations,
    memory,
)
from pokedex_local.event_loop import run
from pokedex_local.gateway.child_process import GatewayProcess
from pokedex_local.tier import LocalTier

RESULTS = Path(__file__).resolve().parent / "results" / "gateway.json"


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
                single = closed_loop(gateway.url, 1, 2.0, min(args.duration, 10.0))
                print(f"warming {args.clients} environments ...", file=sys.stderr)
                began = time.monotonic()
                waves = run(fill(gateway.url, args.clients))
                warmed_s = round(time.monotonic() - began, 1)
                print(f"gateway, {args.clients} clients ...", file=sys.stderr)
                loaded = closed_loop(gateway.url, args.clients, args.warmup, args.duration)
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
