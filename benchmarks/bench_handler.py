"""Cold init and warm duration of GET /poke_info: our handler against the original's way.

Starts a throwaway local tier (PostgreSQL behind PgBouncer over TLS, the secrets emulator),
then, alternating between the two handlers, runs each in a fresh interpreter per sample:
import (cold init), one first invocation (which, for ours, reads the secret and connects),
then warm invocations. Prints a table of medians and writes benchmarks/results/handler.json.

    make bench-handler            # or: uv run python benchmarks/bench_handler.py --runs 9
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from pokedex_local.percentile import percentile
from pokedex_local.tier import LocalTier

# What --help says: a constant, since python -OO strips docstrings.
DESCRIPTION = (
    "Cold init and warm duration of GET /poke_info: our handler against the original's way."
)

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "handler.json"
HANDLERS = {
    "pokedex (psycopg 3, JSON built by PostgreSQL, lazy connect, no boto3)": "pokedex.handler",
    "baseline (psycopg2, dict cursor, json.dumps, boto3, connect at import)": "original_handler",
}


def sample(module: str, env: dict[str, str], warm_calls: int) -> dict[str, Any]:
    pythonpath = os.pathsep.join([str(ROOT / "src"), str(ROOT / "benchmarks" / "baseline")])
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "handler_probe.py"), module, str(warm_calls)],
        env={**os.environ, **env, "PYTHONPATH": pythonpath},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{module} failed:\n{done.stderr[-2000:]}{done.stdout[-500:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def summarise(samples: list[dict[str, Any]]) -> dict[str, float]:
    warm = [ms for s in samples for ms in s["warm_ms"]]
    init = [s["init_ms"] for s in samples]
    first = [s["first_ms"] for s in samples]
    return {
        "cold_init_ms": statistics.median(init),
        "first_invocation_ms": statistics.median(first),
        "cold_total_ms": statistics.median(i + f for i, f in zip(init, first, strict=True)),
        "warm_p50_ms": statistics.median(warm),
        "warm_p90_ms": percentile(warm, 90),
        "unshared_mib": statistics.median(s["uss_kib"] for s in samples) / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--runs", type=int, default=9, help="fresh interpreters per handler")
    parser.add_argument("--warm", type=int, default=50, help="warm invocations per run")
    parser.add_argument("--via", choices=["proxy", "direct"], default="proxy")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.runs < 1 or args.warm < 2:
        parser.error("--runs must be at least 1 and --warm at least 2")

    samples: dict[str, list[dict[str, Any]]] = {name: [] for name in HANDLERS}
    with (
        tempfile.TemporaryDirectory(prefix="bench-handler-") as state,
        LocalTier(Path(state)) as tier,
    ):
        env = tier.function_env(via=args.via)
        for module in HANDLERS.values():
            sample(module, env, 2)  # one unmeasured run each, to warm the OS page cache
        for run in range(args.runs):
            for name, module in HANDLERS.items():  # interleaved, so drift hits both alike
                samples[name].append(sample(module, env, args.warm))
            print(f"run {run + 1}/{args.runs} done", file=sys.stderr)

    summary = {name: summarise(s) for name, s in samples.items()}
    ours, baseline = (summary[name] for name in HANDLERS)
    report = {
        "benchmark": "GET /poke_info (1,025 rows), handler invoked in-process",
        "command": "make bench-handler",
        "via": args.via,
        "runs": args.runs,
        "warm_calls_per_run": args.warm,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "results": summary,
        "ratios": {
            "warm_p50_ours_over_baseline": ours["warm_p50_ms"] / baseline["warm_p50_ms"],
            "cold_init_ours_over_baseline": ours["cold_init_ms"] / baseline["cold_init_ms"],
            "cold_total_ours_over_baseline": ours["cold_total_ms"] / baseline["cold_total_ms"],
        },
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")

    keys = list(ours)
    print(f"{'median (ms, MiB)':<22}" + "".join(f"{k:>21}" for k in keys))
    for name, row in summary.items():
        print(f"{name.split(' ')[0]:<22}" + "".join(f"{row[k]:>21.2f}" for k in keys))
    for name, ratio in report["ratios"].items():
        print(f"{name}: {ratio:.2f}")
    print(f"wrote {args.output.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
