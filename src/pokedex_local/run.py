"""`make run`: the whole system on this machine, until Ctrl-C.

Starts the database tier (PostgreSQL, PgBouncer, the Secrets Manager endpoint; migrations
applied), then the gateway and the Lambda execution environments running the unchanged
handler, writes the running stack's description to <state-dir>/stack.json, and serves
until Ctrl-C or SIGTERM. Then it stops everything it started and removes stack.json.
SIGUSR1 prints a summary of the environments. Every flag has an environment variable.
"""

from __future__ import annotations

import argparse
import ctypes
import dataclasses
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pokedex
from pokedex.function_spec import API_FUNCTION
from pokedex.routes import ROUTES
from pokedex_local import openapi, privileges, statement_log
from pokedex_local.auth.issuer import KEY_FILE
from pokedex_local.gateway import cli, jwt_setup
from pokedex_local.gateway.server import ADMIN_PATH, LIVE_PATH, OPENAPI_PATH, Gateway
from pokedex_local.lambda_env import cpu_share
from pokedex_local.lambda_env.config import FunctionConfig
from pokedex_local.lambda_env.pool import EnvironmentPool
from pokedex_local.live.database import DatabaseWatch
from pokedex_local.tier import LocalTier
from pokedex_local.tier.private_file import write_private
from pokedex_local.tier.service_user import service_user
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
        choices=("proxy", "direct"),
        default=via,
        help="how the function reaches the database: through PgBouncer (proxy) or straight "
        f"to PostgreSQL (direct, the original problem) [env POKEDEX_VIA, default {via}]",
    )
    state_dir = os.environ.get("POKEDEX_STATE_DIR", ".local")
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=Path(state_dir),
        help=f"where the tier keeps its files and stack.json [env POKEDEX_STATE_DIR, "
        f"default {state_dir}]",
    )
    max_connections = int(os.environ.get("POKEDEX_DB_MAX_CONNECTIONS", "100"))
    parser.add_argument(
        "--db-max-connections",
        type=int,
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
    cli.add_options(parser)
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
    args = parser().parse_args(argv)
    state_dir = args.state_dir.resolve()
    if args.cpu_share and not args.cpu_group:
        args.cpu_group = str(_cpu_parent())
        argv = [*argv, f"--cpu-group={args.cpu_group}"]
    # As root: continue as the service account (never returns), or say why not.
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
    stack_file = state_dir / "stack.json"
    if not args.jwt_issuer and not args.jwt_key_file:
        # The local issuer's key lives with the stack, so `make token` finds it.
        args.jwt_key_file = str(state_dir / KEY_FILE)
    print(f"starting the database tier in {state_dir} ...", file=sys.stderr, flush=True)
    try:
        with LocalTier(
            state_dir, max_connections=args.db_max_connections, reads=args.reads
        ) as tier:
            if os.environ.get(statement_log.ENV_FLAG):
                statement_log.capture_tier(tier, state_dir)  # for the pinning detector
            env = function_env(tier.function_env(args.via))
            for key, value in args.env:
                print(f"function environment: {key}={value} (from --env)", file=sys.stderr)
                env[key] = value
            function = cli.function_config(args, HANDLER, env)

            async def ready(gateway: Gateway, pool: EnvironmentPool) -> None:
                gateway.openapi = openapi.render().encode()
                gateway.mode = f"function → {'PgBouncer' if args.via == 'proxy' else 'PostgreSQL'}"
                gateway.mode += " · reads → standby" if args.reads == "replica" else ""
                gateway.database_watch = DatabaseWatch(
                    tier.describe()["postgres"],
                    tier.describe()["pgbouncer"] if args.via == "proxy" else None,
                    tier.describe().get("standby"),
                )
                description = describe(args.via, gateway, pool, tier)
                write_stack(stack_file, {**description, "state_dir": str(state_dir)})
                announce(gateway.url, args.via, stack_file)

            watch = [] if os.environ.get("POKEDEX_RELOAD") == "0" else [*args.watch, SOURCE]
            migrations = migration_function(function, tier)
            cli.run(
                cli.serve(
                    cli.gateway_config(args), function, ROUTES, ready, watch=watch,
                    others=[migrations],
                )
            )  # fmt: skip
    except KeyboardInterrupt:
        pass  # Ctrl-C while starting: the with-block has stopped what had started
    except OSError as exc:
        # Typically the port is taken; the tier has been stopped on the way out.
        sys.exit(f"cannot serve: {exc}")
    finally:
        stack_file.unlink(missing_ok=True)
    print("stopped", file=sys.stderr)


def _cpu_parent() -> Path:
    """The cgroup the environments' groups go in, made as root for the account that will
    run the stack (see lambda_env/cpu_share.py)."""
    if os.geteuid() != 0:
        sys.exit(
            "--cpu-share (CPU_SHARE=1) needs root, to make a cgroup, or --cpu-group naming "
            "a cgroup v1 cpu group this user may create groups in"
        )
    account = service_user() if not os.environ.get(privileges.KEEP_ROOT) else None
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
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def describe(via: str, gateway: Gateway, pool: EnvironmentPool, tier: LocalTier) -> dict[str, Any]:
    tier_description = tier.describe()
    pids = {
        "gateway": os.getpid(),
        "fork_server": pool.pids["fork_server"],
        **tier_description.pop("pids"),
    }
    return {
        "api_url": gateway.url,
        "admin_url": gateway.url + ADMIN_PATH,
        "openapi_url": gateway.url + OPENAPI_PATH,
        # Lambda's Invoke API: aws lambda invoke --endpoint-url <lambda_endpoint> ...
        "lambda_endpoint": gateway.url,
        "functions": sorted(gateway.functions),
        "connection_mode": via,
        **tier_description,
        "function": function_description(pool.config),
        # The JWT authorizer in front of the routes marked auth: issuer, audiences, keys.
        "auth": jwt_setup.stack_entry(gateway.config.jwt, gateway.issuer_url),
        # Environments come and go: their live pids are at admin_url. All are children of
        # the fork server, in its process group.
        "pids": pids,
    }


def function_env(tier_env: dict[str, str]) -> dict[str, str]:
    """The tier's settings under the names the specification gives the function (one it
    has no value for, DB_SSLROOTCERT, empty: unset), plus what Lambda's runtime provides in
    the cloud (AWS_*: region, credentials, the Secrets Manager endpoint override)."""
    known = {*API_FUNCTION.environment, *API_FUNCTION.optional_environment}
    extra = sorted(k for k in tier_env if k not in known)
    if any(not name.startswith("AWS_") for name in extra):
        raise ValueError(f"the tier sets variables the function spec does not name: {extra}")
    return {**{name: tier_env.get(name, "") for name in API_FUNCTION.environment}, **tier_env}


def function_description(config: FunctionConfig) -> dict[str, Any]:
    """The function as stack.json describes it: what the CDK app deploys, from one spec."""
    return {
        "handler": config.handler,
        "reserved_concurrency": config.reserved_concurrency,
        # Locally the account's default (1,000) unless --concurrency: the load lab shows
        # the scale-out the cloud's profiles cap. Their caps, for comparison:
        "reserved_concurrency_by_profile": dict(API_FUNCTION.reserved_concurrency),
        "timeout_s": config.timeout_s,
        "memory_mb": config.memory_mb,
        "architecture": API_FUNCTION.architecture,  # reported: the local CPU's is its own
        "database_role": API_FUNCTION.database_role,
        # Imported by the fork server, not by each environment: their import time is
        # not in any Init Duration.
        "preloaded": list(config.preload),
        "init_concurrency": config.init_concurrency,
        "env": dict(config.env),
    }


def write_stack(path: Path, description: dict[str, Any]) -> None:
    """Written whole, then renamed (readers never see half a file), readable by its owner
    only: it holds the superuser's password."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    write_private(temporary, json.dumps(description, indent=2) + "\n")
    temporary.replace(path)


def announce(url: str, via: str, stack_file: Path) -> None:
    target = "PgBouncer" if via == "proxy" else "PostgreSQL directly (no pooling)"
    print(
        f"\nPokédex API at {url}  (function → {target})\n"
        f"  curl {url}/poke_info/25\n"
        f"  curl {url}/poke_info\n"
        f'  TOKEN=$(make -s token USER=ash); curl -H "Authorization: Bearer $TOKEN" {url}/teams\n'
        f"  live view: {url}{LIVE_PATH}\n"
        f"  environments: curl {url}{ADMIN_PATH}   (or kill -USR1 {os.getpid()})\n"
        f"  stack description: {stack_file}\n"
        "Ctrl-C to stop.\n",
        file=sys.stderr,
        flush=True,
    )


if __name__ == "__main__":
    main()
