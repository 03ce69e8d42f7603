"""`make chaos`: a fresh stack, steady load, one fault at a time, results per second.

Starts `python -m pokedex_local.run` (through PgBouncer) in its own state directory, runs
the scenarios one after another against it with N closed-loop clients on
GET /poke_info/{n}, then, for the scenarios where the comparison teaches something, a
second stack without the proxy. Writes faults.json and faults.png, rewrites the tables in
docs/reliability.md, and exits 1 if a target was missed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from pokedex_local.faultlab import report
from pokedex_local.faultlab.faults import Target
from pokedex_local.faultlab.lab import Outcome, Timing, run_scenario, warm_up
from pokedex_local.faultlab.scenarios import BY_NAME, SCENARIOS, Params, Scenario
from pokedex_local.loadlab import stack as stacks

# What --help says: a constant, since python -OO strips docstrings.
DESCRIPTION = "`make chaos`: a fresh stack, steady load, one fault at a time, results per second."


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m pokedex_local.faultlab", description=DESCRIPTION)
    p.add_argument(
        "--scenarios",
        type=_scenarios,
        default=SCENARIOS,
        help=f"comma-separated, in the order given (default all: {','.join(BY_NAME)})",
    )
    p.add_argument("--clients", type=_positive_int, default=100)
    p.add_argument(
        "--direct-clients",
        type=_positive_int,
        default=80,
        help="clients on the direct stack: each holds a PostgreSQL connection, and "
        "max_connections is 100 with 3 reserved (default 80)",
    )
    p.add_argument("--before", type=_positive_float, default=5.0, help="seconds before a fault")
    p.add_argument("--after", type=_positive_float, default=8.0, help="seconds after it ends")
    p.add_argument("--lock-seconds", type=_positive_float, default=40.0)
    p.add_argument("--secrets-down-seconds", type=_positive_float, default=8.0)
    p.add_argument("--no-direct", action="store_true", help="skip the direct comparison")
    p.add_argument("--state-dir", type=Path, default=Path(".local/faultlab"))
    p.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    p.add_argument("--docs", type=Path, default=Path("docs/reliability.md"))
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    params = Params(lock_s=args.lock_seconds, secrets_down_s=args.secrets_down_seconds)
    timing = Timing(args.clients, args.before, args.after)
    direct_clients = None if args.no_direct else args.direct_clients
    outcomes = run_all(
        args.scenarios, params, timing, args.state_dir, direct_clients=direct_clients
    )
    document = report.document(outcomes, params)
    report.write(document, args.out, args.docs)
    print(report.markdown(document))
    missed = [o for o in outcomes if not o.passed]
    for o in missed:
        print(f"MISSED: {o.scenario.name}: {[v.target for v in o.verdicts if not v.passed]}")
    return 1 if missed else 0


def run_all(
    scenarios: list[Scenario],
    params: Params,
    timing: Timing,
    state_dir: Path,
    *,
    direct_clients: int | None,
) -> list[Outcome]:
    outcomes = run_on_stack("proxy", scenarios, params, timing, state_dir)
    direct = [s for s in scenarios if s.direct_too]
    if direct_clients is not None and direct:
        direct_timing = Timing(direct_clients, timing.before_s, timing.after_s)
        outcomes += run_on_stack("direct", direct, params, direct_timing, state_dir)
    return outcomes


def run_on_stack(
    via: str, scenarios: list[Scenario], params: Params, timing: Timing, state_dir: Path
) -> list[Outcome]:
    directory = (state_dir / via).resolve()
    print(f"starting a fresh {via} stack in {directory} ...", file=sys.stderr, flush=True)
    stack = stacks.start(via, directory)
    try:
        target = Target(stack, directory)
        print(f"{via}: warming {timing.clients} environments ...", file=sys.stderr, flush=True)
        warm_up(target, timing.clients)
        outcomes = []
        for scenario in scenarios:
            print(f"{via}: {scenario.title} ...", file=sys.stderr, flush=True)
            outcome = asyncio.run(run_scenario(target, scenario, params, timing, via))
            print(report.one_line(outcome), file=sys.stderr, flush=True)
            outcomes.append(outcome)
        return outcomes
    finally:
        stack.stop()


def _scenarios(text: str) -> list[Scenario]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in BY_NAME]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown scenario(s) {', '.join(unknown) or '(none given)'}; "
            f"known: {', '.join(BY_NAME)}"
        )
    return [BY_NAME[n] for n in names]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {value}")
    return value
