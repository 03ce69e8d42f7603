"""`make load`: ramp concurrency through PgBouncer and directly, and record what happens.

uv run python -m pokedex_local.loadlab                  # the full lab, both modes
uv run python -m pokedex_local.loadlab --stack 3000     # the running `make run` (on 3000)
uv run python -m pokedex_local.loadlab --smoke          # a few seconds, small concurrency
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from pokedex_local import stack_location
from pokedex_local.auth.token import TokenError, bearer_minter
from pokedex_local.loadlab import references, report
from pokedex_local.loadlab.driver import parse_mix, writes_in
from pokedex_local.loadlab.stack import RunningStack, StackError, attach, start
from pokedex_local.loadlab.steps import run_steps

# What --help says: a constant, since python -OO strips docstrings.
DESCRIPTION = (
    "`make load`: ramp concurrency through PgBouncer and directly, and record what happens."
)

ROOT = Path(__file__).resolve().parents[3]
RESULTS = ROOT / "benchmarks" / "results"


# Named mixes: the reads the lab has always run, and the same with one request in ten a
# team written through the proxy (one transaction each, an Idempotency-Key each).
PROFILES = {
    "read": "get=0.85,list=0.05,absent=0.05,invalid=0.05",
    "mixed": "get=0.75,list=0.05,absent=0.05,invalid=0.05,write=0.10",
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m pokedex_local.loadlab", description=DESCRIPTION)
    p.add_argument(
        "--steps",
        default="10,50,100,200,500,1000",
        help="concurrent clients per step, comma-separated [%(default)s]",
    )
    p.add_argument(
        "--step-seconds",
        type=float,
        default=15.0,
        help="how long each step's measured window lasts [%(default)s]",
    )
    p.add_argument(
        "--warmup-seconds",
        type=float,
        default=10.0,
        help="load before each step's measured window, reported apart: it absorbs the burst"
        " of cold starts a new concurrency level causes [%(default)s]",
    )
    p.add_argument(
        "--modes",
        default="proxy,direct",
        help="connection modes to run, in order: proxy, direct [%(default)s]",
    )
    p.add_argument(
        "--reads",
        choices=("writer", "replica"),
        default="writer",
        help="where the function's Pokédex reads go on the stacks the lab starts: the writer,"
        " or a hot standby behind its own PgBouncer (replica) [%(default)s]",
    )
    p.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        help="a named mix instead of --mix: "
        + "; ".join(f"{k} = {v}" for k, v in PROFILES.items()),
    )
    p.add_argument(
        "--mix",
        default=PROFILES["read"],
        help="weights of the routes: get, list, absent, invalid, and write (POST /teams with"
        " a token and an Idempotency-Key, counted apart) [%(default)s]",
    )
    p.add_argument(
        "--stack",
        type=stack_location.stack_file_for,
        help="use a running stack instead of starting one: its port (the stack of make run"
        " PORT=...), its state directory, or its stack.json",
    )
    p.add_argument(
        "--state-dir",
        type=Path,
        default=ROOT / ".local" / "loadlab",
        help="where started stacks keep their state [%(default)s]",
    )
    p.add_argument(
        "--reference-clients",
        type=int,
        default=100,
        help="clients for the references: pgbench, GET /poke_info/{n} only, no-op gateway",
    )
    p.add_argument("--reference-seconds", type=float, default=10.0)
    p.add_argument(
        "--sample-interval",
        type=float,
        default=1.0,
        help="seconds between samples of the database tier [%(default)s]",
    )
    p.add_argument("--no-references", action="store_true", help="skip the reference runs")
    p.add_argument(
        "--preload",
        default="psycopg",
        help="modules the fork server imports before forking environments; psycopg"
        " by default, so 1,000 environments fit in memory (about 9 MB each instead"
        " of 20 MB) at the price of cold starts without psycopg's import ('' for"
        " none) [%(default)s]",
    )
    p.add_argument("--output", type=Path, default=RESULTS / "load.json")
    p.add_argument("--chart", type=Path, default=RESULTS / "load.png")
    p.add_argument(
        "--smoke",
        action="store_true",
        help="a short run: steps 2,5 for 2 s each, references for 2 s",
    )
    args = p.parse_args(argv)  # fmt: skip
    if args.smoke:
        args.steps, args.step_seconds, args.warmup_seconds = "2,5", 2.0, 1.0
        args.reference_clients, args.reference_seconds = 5, 2.0
        args.sample_interval = 0.2  # enough samples to exercise the samplers' connections
    try:
        args.step_list = [int(s) for s in args.steps.split(",")]
    except ValueError:
        p.error(f"--steps must be whole numbers separated by commas, got {args.steps!r}")
    if any(s < 1 or s > 5000 for s in args.step_list):
        p.error("--steps values must be between 1 and 5000")
    args.mode_list = [m.strip() for m in args.modes.split(",")]
    if any(m not in ("proxy", "direct") for m in args.mode_list):
        p.error(f"--modes takes proxy and/or direct, got {args.modes!r}")
    if not 0.05 <= args.sample_interval <= 10:
        p.error("--sample-interval must be between 0.05 and 10 seconds")
    if not 0 <= args.warmup_seconds <= 600:
        p.error("--warmup-seconds must be between 0 and 600")
    if not 0.5 <= args.step_seconds <= 600:
        p.error("--step-seconds must be between 0.5 and 600")
    if args.profile:
        args.mix = PROFILES[args.profile]
    try:
        args.mix_weights = parse_mix(args.mix)
    except ValueError as exc:
        p.error(str(exc))
    return args


def run_mode(
    stack: RunningStack, args: argparse.Namespace, console: Console, results: dict[str, Any]
) -> None:
    limits = results["limits"]
    limits.setdefault("max_connections", stack.description.get("max_connections"))
    limits.setdefault("pool_size", stack.description.get("pool_size"))
    console.rule(f"{stack.mode}: {stack.api_url}")
    # The references run first, on a fresh stack, so that the ramp's thousand environments
    # and their aftermath do not weigh on them.
    if stack.mode == "proxy" and not args.no_references:
        results["references"].update(
            references.database_and_api(
                stack, args.reference_clients, args.reference_seconds, console
            )
        )
    results["steps"] += run_steps(
        stack,
        args.step_list,
        args.step_seconds,
        args.mix_weights,
        console,
        args.sample_interval,
        args.warmup_seconds,
        authorization=_writer_token(stack, args.mix_weights),
    )


def _writer_token(stack: RunningStack, mix: dict[str, float]) -> str | None:
    """A bearer token for the lab's writes (from the stack's local issuer), if it writes."""
    if not writes_in(mix):
        return None
    try:
        return bearer_minter(stack.description)("loadlab")
    except TokenError as exc:
        raise StackError(f"the mix has writes, but no token can be made: {exc}") from None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # A terminal gets its own width; a pipe or a file gets one wide enough for the table.
    console = Console(width=None if sys.stdout.isatty() else 200)
    results: dict[str, Any] = {
        "title": "Proxied Pokédex load lab: through PgBouncer against direct",
        "command": "python -m pokedex_local.loadlab " + " ".join(argv or sys.argv[1:]),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "config": {
            "steps": args.step_list,
            "step_seconds": args.step_seconds,
            "warmup_seconds": args.warmup_seconds,
            "mix": args.mix_weights,
            "preload": args.preload,
            "reads": args.reads,
        },
        "limits": {},
        "steps": [],
        "references": {},
    }  # fmt: skip
    try:
        if args.stack:
            run_mode(attach(args.stack), args, console, results)
        else:
            for mode in args.mode_list:
                # --preload even empty: run.py defaults to psycopg
                extra = [f"--preload={args.preload}", f"--reads={args.reads}"]
                stack = start(mode, args.state_dir / mode, extra=extra)
                try:
                    run_mode(stack, args, console, results)
                finally:
                    stack.stop()
        if not args.no_references:
            results["references"]["noop_gateway"] = references.noop_gateway(
                args.reference_clients, args.reference_seconds, console
            )
    except StackError as exc:
        console.print(f"[red]load lab: {exc}[/red]")
        return 2
    results["verdicts"] = references.verdicts(results)
    report.write_json(args.output, results)
    report.write_chart(args.chart, results)
    report.print_summary(console, results)
    console.print(f"wrote {args.output} and {args.chart}")
    return 0
