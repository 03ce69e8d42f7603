"""Init Duration on `make run` with and without CPU_SHARE=1 (root, cgroup v1 cpu controller).

Starts the stack RUNS times in each of four ways: unthrottled and with each environment on
its memory's share of a CPU (lambda_env/cpu_share.py), each with psycopg preloaded by the
fork server (make run's default) and without (as on Lambda, where every environment imports
it in its init); sends one first request (one cold start, nothing
else running), and reads the environments' REPORT lines: Init Duration, and the first
invocation's Duration (the secret, TLS and SCRAM through PgBouncer, the query). Writes
benchmarks/results/cpu_share.json.

    make bench-cpu-share   (uv run --frozen python benchmarks/bench_cpu_share.py [--runs 3])
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from pokedex_local.lambda_env import cpu_share
from pokedex_local.loadlab import stack as stacks

# What --help says: a constant, since python -OO strips docstrings.
DESCRIPTION = (
    "Init Duration on `make run` with and without CPU_SHARE=1 (root, cgroup v1 cpu controller)."
)

OUT = Path(__file__).parent / "results" / "cpu_share.json"
_REPORT = re.compile(r"REPORT .*?Duration: ([0-9.]+) ms.*?Init Duration: ([0-9.]+) ms")


def cold_start(cpu: bool, preload: str) -> tuple[float, float, int]:
    """(Init Duration, first Duration) of one cold start, and the function's memory."""
    state_dir = Path(tempfile.mkdtemp(prefix="pokedex-bench-cpu-"))
    state_dir.chmod(0o711)
    extra = [f"--preload={preload}", *(["--cpu-share"] if cpu else [])]
    stack = stacks.start("proxy", state_dir, extra=extra)
    try:
        assert urllib.request.urlopen(stack.description["api_url"] + "/poke_info/25").status == 200
        time.sleep(0.5)  # the REPORT line is written after the answer
        assert stack.log_path is not None
        [(duration, init)] = _REPORT.findall(stack.log_path.read_text(errors="replace"))
    finally:
        stack.stop()
        if cpu:
            cpu_share.remove_tree(cpu_share.parent_of(stack.description["pids"]["gateway"]))
        shutil.rmtree(state_dir, ignore_errors=True)
    return float(init), float(duration), int(stack.description["function"]["memory_mb"])


def measure(cpu: bool, preload: str, runs: int) -> dict[str, Any]:
    samples = [cold_start(cpu, preload) for _ in range(runs)]
    inits, firsts = [s[0] for s in samples], [s[1] for s in samples]
    return {
        "cpu_share": cpu,
        "preload": preload,
        "memory_mb": samples[0][2],
        "init_ms": {"median": statistics.median(inits), "all": inits},
        "first_invocation_ms": {"median": statistics.median(firsts), "all": firsts},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--runs", type=int, default=3, help="stacks started per case")
    args = parser.parse_args()
    if os.geteuid() != 0 or not os.access(cpu_share.CPU_CONTROLLER, os.W_OK):
        sys.exit("bench-cpu-share needs root and a writable /sys/fs/cgroup/cpu")
    # make run's default (psycopg imported by the fork server) and the cloud's case (every
    # environment imports it in its own init).
    cases = [(cpu, preload) for preload in ("psycopg", "") for cpu in (False, True)]
    runs = [measure(cpu, preload, args.runs) for cpu, preload in cases]
    for run in runs:
        print(
            f"preload={run['preload'] or '-'} cpu_share={run['cpu_share']}: "
            f"Init Duration median {run['init_ms']['median']:.0f} ms; "
            f"first invocation median {run['first_invocation_ms']['median']:.0f} ms"
        )
    results = {
        "command": "make bench-cpu-share",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "quota_us_per_100ms": cpu_share.quota_us(runs[0]["memory_mb"]),
        "runs_per_case": args.runs,
        "cases": runs,
    }
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
