"""`python -m pokedex_local.tier`: run the local database tier until Ctrl-C."""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from pokedex_local.tier.state_lock import StateBusy
from pokedex_local.tier.tier import READS, LocalTier

# What --help says: a constant, since python -OO strips docstrings.
DESCRIPTION = "`python -m pokedex_local.tier`: run the local database tier until Ctrl-C."

READY = "Ready. Ctrl-C stops everything."


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # SIGTERM (from kill, CI, a supervisor) unwinds like Ctrl-C, so `finally` stops the children.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    tier = LocalTier(
        args.state_dir,
        max_connections=args.max_connections,
        max_connections_percent=args.max_connections_percent,
        reads=args.reads,
    )
    try:
        tier.start()
        _print_summary(tier)
        while True:
            # Not signal.pause(): a signal that lands after the interpreter's last check
            # and before pause() starts (or on the supervisor's thread) leaves pause()
            # waiting for another one, and Python runs the handler only when the main
            # thread runs again; test_the_cli_stops_everything_on_a_signal once saw the
            # tier sit on its SIGINT. A short sleep always comes back to raise it.
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nStopping…", flush=True)
    except StateBusy as busy:  # another stack's: it was left untouched
        sys.exit(f"python -m pokedex_local.tier: {busy}")
    finally:
        tier.stop()
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pokedex_local.tier", description=DESCRIPTION)
    parser.add_argument("--state-dir", type=Path, default=Path(".local"))
    parser.add_argument("--max-connections", type=int, default=100)
    parser.add_argument("--max-connections-percent", type=int, default=100)
    parser.add_argument(
        "--reads",
        choices=READS,
        default="writer",
        help="replica: also a hot standby behind a PgBouncer of its own (the read endpoint)",
    )
    return parser


def _print_summary(tier: LocalTier) -> None:
    print(f"PostgreSQL  {tier.postgres.conninfo(sslmode='require')}")
    print(f"PgBouncer   {tier.pgbouncer.conninfo(sslmode='require')}  (pool {tier.pool_size})")
    if tier.replica is not None:
        reader = tier.replica.reader
        print(f"Standby     {tier.replica.standby.conninfo(sslmode='require')}")
        print(f"Reader      {reader.conninfo(sslmode='require')}  (PgBouncer → standby)")
    print(f"Secrets     {tier.secrets_endpoint}")
    print(f"pids        {tier.pids}")
    print("\nThe function's environment (through PgBouncer):")
    for name, value in tier.function_env().items():
        print(f"export {name}={shlex.quote(value)}")
    print(f"\n{READY}", flush=True)


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
