"""The cold burst: a fresh stack, 1,000 wrk connections at once, then a short window after.

What a new user does on a clean clone (`make run`, then wrk from another terminal), as a
benchmark that writes its figures: every request of the burst answered, PostgreSQL held
under its limit, and how long until the last environment the burst asked for was warm.
In ``--via direct`` the same burst shows PostgreSQL refusing logins instead.

    python -m pokedex_local.loadlab.burst [--via proxy|direct] [--clients 1000] ...
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pokedex_local.loadlab import stack as stacks
from pokedex_local.loadlab import wrk
from pokedex_local.loadlab.sampler import Window
from pokedex_local.loadlab.steps import log_size, refusals_since, sampler_for

# What --help says: a constant, since python -OO strips docstrings.
DESCRIPTION = (
    "The cold burst: a fresh stack, 1,000 wrk connections at once, then a short window after."
)

PATH = "/poke_info/25"  # the request of the issue that measured the burst: Pikachu


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m pokedex_local.loadlab.burst", description=DESCRIPTION
    )
    parser.add_argument(
        "--via",
        choices=("proxy", "direct"),
        action="append",
        help="stack(s) to burst, in order (default: proxy then direct)",
    )
    parser.add_argument(
        "--clients",
        type=_positive,
        default=1000,
        help="wrk connections, all opened at once (default 1000)",
    )
    parser.add_argument(
        "--seconds", type=_positive, default=40, help="length of the burst (default 40)"
    )
    parser.add_argument(
        "--timeout",
        type=_positive,
        default=30,
        help="client timeout during the burst, s (default 30)",
    )
    parser.add_argument(
        "--after-seconds",
        type=_positive,
        default=12,
        help="length of the window straight after the burst (default 12)",
    )
    parser.add_argument(
        "--after-timeout",
        type=_positive,
        default=10,
        help="client timeout in the window after, s (default 10)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="write the results as JSON here (e.g. benchmarks/results/burst.json)",
    )
    parser.add_argument(
        "--stack-arg",
        action="append",
        default=[],
        help="extra argument for python -m pokedex_local.run (repeatable)",
    )
    args = parser.parse_args(argv)
    if not wrk.available():
        parser.error("wrk is not installed (make setup installs it)")
    args.via = args.via or ["proxy", "direct"]
    return args  # fmt: skip


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def burst(mode: str, args: argparse.Namespace, state_dir: Path) -> dict[str, Any]:
    stack = stacks.start(mode, state_dir, extra=args.stack_arg)
    try:
        log = stack.postgres_log()
        offset = log_size(log)
        with sampler_for(stack, interval_s=0.5) as sampler:
            began = time.time()
            during = wrk.run_wrk(
                stack.api_url, args.clients, args.seconds, timeout_s=args.timeout, path=PATH
            )
            burst_window = sampler.take()
            after = wrk.run_wrk(
                stack.api_url,
                args.clients,
                args.after_seconds,
                timeout_s=args.after_timeout,
                path=PATH,
            )
            after_window = sampler.take()
        # Asked once, with time to answer: a gateway drowning (direct mode) may be slow.
        envs = stack.admin(timeout=60)
        memory = environments_pss_mb(envs)
        last_warm = envs.get("last_cold_start_done")
        return {
            "mode": mode,
            "clients": args.clients,
            "burst": {**during, **_database(burst_window)},
            "after": {**after, **_database(after_window)},
            "refused_logins": refusals_since(log, offset),
            "environments": {
                "created": envs.get("created"),
                "cold_starts": envs.get("cold_starts"),
                "alive": envs.get("alive"),
                "throttles": envs.get("throttles"),
                "timeouts": envs.get("timeouts"),
                "init_errors": envs.get("init_errors"),
                "init_concurrency": envs.get("init_concurrency"),
                "preloaded": envs.get("preloaded"),
                "last_warm_after_s": round(last_warm - began, 1) if last_warm else None,
            },
            "memory": memory,
        }
    finally:
        stack.stop()


def environments_pss_mb(summary: dict[str, Any]) -> dict[str, Any]:
    """PSS of every environment and of the fork server, from /proc/<pid>/smaps_rollup."""
    pids = [int(env["pid"]) for env in summary["environments"]]
    sizes = [kb for kb in map(_pss_kb, pids) if kb is not None]
    fork_server = _pss_kb(int(summary["fork_server_pid"])) or 0
    return {
        "environments": len(sizes),
        "pss_total_mb": round((sum(sizes) + fork_server) / 1024, 1),
        "pss_median_mb": round(statistics.median(sizes) / 1024, 2) if sizes else None,
    }


def _pss_kb(pid: int) -> int | None:
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return None  # gone meanwhile
    return next((int(ln.split()[1]) for ln in rollup.splitlines() if ln.startswith("Pss:")), 0)


def _database(window: Window) -> dict[str, Any]:
    return {
        "max_backends": window.max_backends,
        "max_api_backends": window.max_api_backends,
        "max_environments": window.max_environments,
        "sampler_errors": len(window.errors),
    }


def verdict(result: dict[str, Any]) -> str:
    b, a, e = result["burst"], result["after"], result["environments"]
    return (
        f"{result['mode']}: burst {b['served']} served, {b['failed']} failed "
        f"({b.get('errors') or 'none'}), p99 {b['p99_ms']:.0f} ms; after: {a['served']} served, "
        f"{a['failed']} failed, p99 {a['p99_ms']:.0f} ms; PostgreSQL max {b['max_backends']} "
        f"backends, {result['refused_logins']} logins refused; {e['created']} environments, "
        f"last warm after {e['last_warm_after_s']} s, {e['throttles']} throttles; "
        f"{result['memory']['environments']} environments in "
        f"{result['memory']['pss_total_mb']} MB PSS"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="pokedex-burst-"))
    results: dict[str, Any] = {
        "command": "make bench-burst",
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "path": PATH,
        "runs": [],
    }
    try:
        for mode in args.via:
            result = burst(mode, args, work / mode)
            results["runs"].append(result)
            print(verdict(result), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
