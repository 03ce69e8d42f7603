"""Cold start of the API handler at the CPU share each Lambda memory size buys.

Lambda allocates CPU in proportion to memory: 1,769 MB is one vCPU, so M MB is M/1769 of
one. This runs benchmarks/handler_probe.py (import = Init Duration, then the first
invocation: secret, TLS connection through PgBouncer, GET /poke_info, then warm calls)
in a fresh interpreter per sample, inside a cgroup v1 cpu controller group whose CFS
quota is that share of one CPU (cpu.cfs_quota_us / cpu.cfs_period_us = M / 1769). The
interpreter's own start-up is inside the group too and reported apart, since Lambda's
Init Duration also covers its runtime's start. Needs root and /sys/fs/cgroup/cpu.

    uv run --frozen python benchmarks/bench_memory.py [--runs 5] [--sizes 128,256,512,1024,1769]

Writes benchmarks/results/memory.json.
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
import time
from pathlib import Path
from typing import Any

from pokedex.function_spec import API_FUNCTION
from pokedex_local.lambda_env import cpu_share
from pokedex_local.tier import LocalTier

# What --help says: a constant, since python -OO strips docstrings.
DESCRIPTION = "Cold start of the API handler at the CPU share each Lambda memory size buys."

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "memory.json"


def cpu_group(memory_mb: int) -> Path:
    group = cpu_share.CPU_CONTROLLER / f"pokedex-bench-{os.getpid()}-{memory_mb}"
    group.mkdir()
    (group / "cpu.cfs_period_us").write_text(str(cpu_share.PERIOD_US))
    (group / "cpu.cfs_quota_us").write_text(str(cpu_share.quota_us(memory_mb)))
    return group


def sample(group: Path | None, env: dict[str, str]) -> dict[str, Any]:
    pythonpath = str(ROOT / "src")
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "handler_probe.py"), "pokedex.handler", "5"],
        env={**os.environ, **env, "PYTHONPATH": pythonpath},
        capture_output=True,
        text=True,
        check=False,
        # Joins the group before exec: the interpreter's start-up is throttled too.
        preexec_fn=None if group is None else lambda: _join(group),
    )
    wall_ms = (time.perf_counter() - started) * 1000
    if done.returncode != 0:
        raise SystemExit(f"handler probe failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_ms"] = wall_ms
    return result


def _join(group: Path) -> None:
    (group / "cgroup.procs").write_text(str(os.getpid()))


def measure(memory_mb: int, runs: int, env: dict[str, str]) -> dict[str, Any]:
    group = cpu_group(memory_mb)
    try:
        samples = [sample(group, env) for _ in range(runs)]
    finally:
        group.rmdir()
    init = [s["init_ms"] for s in samples]
    first = [s["first_ms"] for s in samples]
    return {
        "memory_mb": memory_mb,
        "cpu_share": round(memory_mb / cpu_share.ONE_VCPU_MB, 4),
        "runs": runs,
        "init_ms_median": round(statistics.median(init), 1),
        "first_invocation_ms_median": round(statistics.median(first), 1),
        "cold_total_ms_median": round(
            statistics.median(i + f for i, f in zip(init, first, strict=True)), 1
        ),
        "interpreter_and_all_ms_median": round(
            statistics.median(s["process_ms"] for s in samples), 1
        ),
        "warm_ms_median": round(statistics.median(ms for s in samples for ms in s["warm_ms"]), 2),
        "init_ms": [round(v, 1) for v in init],
        "first_invocation_ms": [round(v, 1) for v in first],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="128,256,512,1024,1769")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if not (cpu_share.CPU_CONTROLLER / "cpu.cfs_quota_us").exists() or os.geteuid() != 0:
        parser.error("needs root and the cgroup v1 cpu controller at /sys/fs/cgroup/cpu")
    with (
        tempfile.TemporaryDirectory(prefix="bench-memory-") as state,
        LocalTier(Path(state)) as tier,
    ):
        env = tier.function_env(via="proxy")
        sample(None, env)  # one unmeasured run, unthrottled, to warm the page cache
        results = [measure(size, args.runs, env) for size in sizes]
    report = {
        "what": "median cold start of pokedex.handler per Lambda memory size, CPU capped "
        "at memory/1769 of one CPU with the cgroup v1 CFS quota",
        "chosen_memory_mb": API_FUNCTION.memory_mb,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "period_us": cpu_share.PERIOD_US,
        "sizes": results,
    }
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"{'MB':>5} {'share':>6} {'init':>8} {'1st call':>9} {'cold':>8} {'process':>8}")
    for r in results:
        print(
            f"{r['memory_mb']:>5} {r['cpu_share']:>6.3f} {r['init_ms_median']:>8.1f} "
            f"{r['first_invocation_ms_median']:>9.1f} {r['cold_total_ms_median']:>8.1f} "
            f"{r['interpreter_and_all_ms_median']:>8.1f}"
        )
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
