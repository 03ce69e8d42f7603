"""`make run`: the whole system on this machine, until Ctrl-C.

Starts the database tier (PostgreSQL, PgBouncer, the Secrets Manager endpoint; migrations
applied), then the gateway and the Lambda execution environments running the unchanged
handler, writes the running stack's description to <state-dir>/stack.json, and serves
until Ctrl-C or SIGTERM. Then it stops everything it started and removes stack.json.
SIGUSR1 prints a summary of the environments. Every flag has an environment variable.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import signal
import sys
from pathlib import Path

import pokedex
from pokedex.function_spec import API_FUNCTION
from pokedex.routes import ROUTES
from pokedex_local import event_loop, openapi, preflight, privileges, stack_location, statement_log
from pokedex_local.auth.issuer import KEY_FILE
from pokedex_local.gateway import options, serving
from pokedex_local.gateway.server import Gateway
from pokedex_local.lambda_env import cpu_share
from pokedex_local.lambda_env.config import FunctionConfig
from pokedex_local.lambda_env.pool import EnvironmentPool
from pokedex_local.live.database import DatabaseWatch
from pokedex_local.parent_death import signal_on_parent_death
from pokedex_local.stack_description import (
    announce,
    describe,
    function_env,
    write_stack,
)
from pokedex_local.tier import LocalTier, TierError
from pokedex_local.tier.description import VIAS
from pokedex_local.tier.service_user import service_user
from pokedex_local.tier.state_lock import StateBusy, lock_state_dir
from pokedex_local.tier.tier import READS

# What --help says: a constant, since python -OO strips docstrings.
DESCRIPTION = "`make run`: the whole system on this machine, until Ctrl-C."

HANDLER = API_FUNCTION.handler
# Watched for hot reload: the function package (POKEDEX_RELOAD=0 turns it off).
SOURCE = Path(pokedex.__file__).parent
DEFAULT_PRELOAD = "psycopg"
MIGRATION_HANDLER = "pokedex.migrate_handler.handler"
MIGRATION_TIMEOUT_S = 300.0


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pokedex_local.run",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    via = os.environ.get("POKEDEX_VIA", "proxy")
    parser.add_argument(
        "--via",
        choices=VIAS,
        default=via,
        help="how the function reaches the database: through PgBouncer (proxy) or straight "
        f"to PostgreSQL (direct, the original problem) [env POKEDEX_VIA, default {via}]",
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        help="where the tier keeps its files and stack.json, one stack at a time [env "
        "POKEDEX_STATE_DIR, default .local for port 3000, .local/<port> for any other]",
    )
    max_connections = os.environ.get("POKEDEX_DB_MAX_CONNECTIONS", "100")
    parser.add_argument(
        "--db-max-connections",
        type=int,  # applied to the default too: a bad variable is reported by argparse
        default=max_connections,
        help="PostgreSQL max_connections, as on a small RDS instance "
        f"[env POKEDEX_DB_MAX_CONNECTIONS, default {max_connections}]",
    )
    reads = os.environ.get("POKEDEX_READS", "writer")
    parser.add_argument(
        "--reads",
        choices=READS,
        default=reads,
        help="where the Pokédex reads go: the writer, or a hot standby behind a PgBouncer of "
        f"its own (replica; docs/local-runtime.md) [env POKEDEX_READS, default {reads}]",
    )
    options.add_options(parser)
    parser.add_argument(
        "--cpu-share",
        action="store_true",
        default=os.environ.get("POKEDEX_CPU_SHARE") == "1",
        help="each environment on the CPU share its memory size buys on Lambda (1,769 MB = "
        "one vCPU), in a cgroup v1 cpu group made as root [env POKEDEX_CPU_SHARE=1]",
    )
    # The function's one runtime dependency is imported once by the fork server and shared:
    # a thousand cold starts then cost the handler's own import, not psycopg's ~150 ms of
    # CPU each (see docs/local-runtime.md, "Cold starts"). POKEDEX_PRELOAD= turns it off.
    parser.set_defaults(preload=os.environ.get("POKEDEX_PRELOAD", DEFAULT_PRELOAD))
    return parser


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if problems := preflight.environment_problems():
        sys.exit("make run: " + "\n".join(problems))
    args = parser().parse_args(argv)
    state_dir = stack_location.state_dir(args.port, args.state_dir).resolve()
    if problems := preflight.value_problems(args):
        sys.exit("make run: " + "\n".join(problems))
    # Before anything else: a second stack aimed at this state must not touch it.
    fresh = not state_dir.exists()
    try:
        lock = lock_state_dir(state_dir)
    except StateBusy as busy:
        sys.exit("make run: " + preflight.refusal(busy, state_dir, args.port))
    except TierError as exc:
        sys.exit(f"make run: {exc}")
    if problems := preflight.port_problems(args):
        lock.withdraw(made_the_directory=fresh)
        sys.exit("make run: " + "\n".join(problems))
    if args.cpu_share and not args.cpu_group:
        args.cpu_group = str(_cpu_parent())
        argv = [*argv, f"--cpu-group={args.cpu_group}"]
    # As root: continue as the service account (never returns), or say why not. The lock
    # goes along: the directory is never free in between.
    with lock.across_exec():
        privileges.run_as_service_account(
            "pokedex_local.run", [*argv, f"--state-dir={state_dir}"], state_dir
        )
    # SIGTERM stops as Ctrl-C does, also while the tier is starting (before the event
    # loop takes both signals over), so the tier's with-block always gets to clean up.
    signal.signal(signal.SIGTERM, _interrupt)
    stop_with_parent()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    stack_file = stack_location.stack_file(state_dir)
    if not args.jwt_issuer and not args.jwt_key_file:
        # The local issuer's key lives with the stack, so `make token` finds it.
        args.jwt_key_file = str(state_dir / KEY_FILE)
    print(f"starting the database tier in {state_dir} ...", file=sys.stderr, flush=True)
    try:
        with LocalTier(
            state_dir, max_connections=args.db_max_connections, reads=args.reads, lock=lock
        ) as tier:
            if os.environ.get(statement_log.ENV_FLAG):
                statement_log.capture_tier(tier, state_dir)  # for the pinning detector
            env = function_env(tier.function_env(args.via))
            for key, value in args.env:
                print(f"function environment: {key}={value} (from --env)", file=sys.stderr)
                env[key] = value
            function = options.function_config(args, HANDLER, env)

            async def ready(gateway: Gateway, pool: EnvironmentPool) -> None:
                gateway.openapi = openapi.render().encode()
                gateway.mode = f"function → {'PgBouncer' if args.via == 'proxy' else 'PostgreSQL'}"
                gateway.mode += " · reads → standby" if args.reads == "replica" else ""
                servers = tier.describe()
                gateway.database_watch = DatabaseWatch(
                    servers["postgres"],
                    servers["pgbouncer"] if args.via == "proxy" else None,
                    servers.get("standby"),
                )
                description = describe(args.via, gateway, pool, tier)
                description["state_dir"] = str(state_dir)
                description["lock_file"] = str(lock.path)
                write_stack(stack_file, description)
                announce(gateway.url, args.via, stack_file, args.port)

            watch = [] if os.environ.get("POKEDEX_RELOAD") == "0" else [*args.watch, SOURCE]
            migrations = migration_function(function, tier)
            event_loop.run(
                serving.serve(
                    options.gateway_config(args), function, ROUTES, ready, watch=watch,
                    others=[migrations],
                )
            )  # fmt: skip
    except KeyboardInterrupt:
        pass  # Ctrl-C while starting: the with-block has stopped what had started
    except OSError as exc:
        # Typically the port is taken; the tier has been stopped on the way out.
        sys.exit(f"cannot serve: {exc}")
    finally:
        stack_file.unlink(missing_ok=True)  # before the lock goes: a next stack writes its own
        lock.release()
    print("stopped", file=sys.stderr)


def _cpu_parent() -> Path:
    """The cgroup the environments' groups go in, made as root for the account that will
    run the stack (see lambda_env/cpu_share.py)."""
    if os.geteuid() != 0:
        sys.exit(
            "--cpu-share (CPU_SHARE=1) needs root, to make a cgroup, or --cpu-group naming "
            "a cgroup v1 cpu group this user may create groups in"
        )
    account = None if privileges.keeps_root() else service_user()
    uid, gid = (account.uid, account.gid) if account else (0, 0)
    try:
        return cpu_share.make_parent(uid, gid)
    except OSError as exc:
        sys.exit(f"--cpu-share: {exc}")


def migration_function(api: FunctionConfig, tier: LocalTier) -> FunctionConfig:
    """The deploy-time migration runner, as a function of its own that the Invoke API can
    reach the way docs/deploy.md invokes it on AWS: as the owner, setting the app's password."""
    return dataclasses.replace(
        api,
        handler=MIGRATION_HANDLER,
        function_name=api.function_name + "-migrate",
        env={**api.env, "SECRET": tier.owner_secret_name, "APP_SECRET": tier.app_secret_name},
        reserved_concurrency=1,
        timeout_s=MIGRATION_TIMEOUT_S,
        debug_port=None,  # the debugger's port belongs to the API function
    )


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def stop_with_parent() -> None:
    """If whatever started us (make, uv) is killed outright, stop in order all the same:
    SIGTERM is our Ctrl-C. Without it a `kill -9` of `uv run` would orphan the stack."""
    signal_on_parent_death(signal.SIGTERM)


if __name__ == "__main__":
    main()
