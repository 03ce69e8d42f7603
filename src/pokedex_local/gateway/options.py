"""The command-line options ``python -m pokedex_local.run`` and ``python -m pokedex_local.gateway``
share, and the gateway's and the function's configuration built from them."""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pokedex.function_spec import API_FUNCTION
from pokedex_local.auth.issuer import DEFAULT_AUDIENCE, LocalIssuer
from pokedex_local.gateway.jwt_setup import JwtSettings, parse_route_scopes
from pokedex_local.gateway.server import GatewayConfig
from pokedex_local.lambda_env.config import FunctionConfig, default_init_concurrency

# (flag, environment variable, type, default, help)
OPTIONS: tuple[tuple[str, str, type, Any, str], ...] = (
    ("--host", "POKEDEX_HOST", str, "127.0.0.1", "address the gateway listens on"),
    ("--port", "POKEDEX_PORT", int, 3000, "gateway port (0: any free port)"),
    ("--concurrency", "POKEDEX_CONCURRENCY", int, 1000,
     "reserved concurrency: most environments at once; beyond it invocations are throttled"),
    ("--timeout", "POKEDEX_TIMEOUT", float, float(API_FUNCTION.timeout_s),
     "function timeout in seconds (the stack's value); the environment is discarded after it"),
    ("--memory", "POKEDEX_MEMORY", int, API_FUNCTION.memory_mb,
     "function memory size in MB (reported; with --cpu-group, each environment's CPU share)"),
    ("--idle-ttl", "POKEDEX_IDLE_TTL", float, 300.0,
     "seconds an idle environment is kept warm before it is reclaimed"),
    ("--init-timeout", "POKEDEX_INIT_TIMEOUT", float, 10.0,
     "init phase limit in seconds (time spent waiting for a CPU excluded)"),
    ("--init-concurrency", "POKEDEX_INIT_CONCURRENCY", int, 0,
     "environments in their cold start at once, the rest queued (0: 16 per CPU)"),
    ("--integration-timeout", "POKEDEX_INTEGRATION_TIMEOUT", float, 30.0,
     "gateway integration timeout in seconds, answered with 503 (fixed at 30 s on AWS)"),
    ("--debug-port", "POKEDEX_DEBUG_PORT", int, 0,
     "debug: one environment at a time, listening for debugpy on this port, and the "
     "function and integration timeouts raised to an hour (0: off)"),
    ("--function-name", "POKEDEX_FUNCTION_NAME", str, "pokedex-local",
     "AWS_LAMBDA_FUNCTION_NAME of the environments"),
    ("--cpu-group", "POKEDEX_CPU_GROUP", str, "",
     "a cgroup v1 cpu group this process may create groups in: each environment then gets "
     "the CPU share its memory buys on Lambda (make run CPU_SHARE=1 makes one as root)"),
    ("--preload", "POKEDEX_PRELOAD", str, "",
     "comma-separated modules the fork server imports once for all environments, e.g. "
     "psycopg: less memory per environment, but their import leaves the cold start"),
    ("--jwt-issuer", "POKEDEX_JWT_ISSUER", str, "",
     "issuer URL the JWT authorizer trusts (its keys are found through "
     "{issuer}/.well-known/openid-configuration); empty: the local issuer this gateway "
     "serves at /__local/issuer"),
    ("--jwt-audience", "POKEDEX_JWT_AUDIENCE", str, DEFAULT_AUDIENCE,
     "comma-separated audiences: a token's aud, or its client_id when it has no aud, "
     "must be one of them"),
    ("--jwt-key-file", "POKEDEX_JWT_KEY_FILE", str, "",
     "the local issuer's private key, created if missing (empty: a key for this process "
     "only; make run: <state-dir>/issuer-key.pem)"),
)  # fmt: skip


def add_options(parser: argparse.ArgumentParser) -> None:
    for flag, variable, kind, default, text in OPTIONS:
        parser.add_argument(
            flag,
            type=kind,
            default=os.environ.get(variable, default),
            help=f"{text} [env {variable}, default {default}]",
        )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        type=env_pair,
        metavar="KEY=VALUE",
        help="a variable for the function, over the stack's own (repeatable); the ones "
        "Lambda itself sets (_HANDLER, AWS_LAMBDA_*, ...) cannot be overridden, as on AWS",
    )
    parser.add_argument(
        "--jwt-scopes",
        action="append",
        default=[],
        type=route_scopes,
        metavar="'METHOD /path=SCOPE[,SCOPE]'",
        help="authorization scopes of a route behind the JWT authorizer: the token needs "
        "one of them, or gets 403 (repeatable)",
    )
    parser.add_argument(
        "--watch",
        action="append",
        default=[],
        type=Path,
        metavar="DIR",
        help="reload the function when a .py file under DIR changes (repeatable)",
    )


_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def env_pair(text: str) -> tuple[str, str]:
    """``KEY=VALUE`` for --env, with a message naming what is wrong."""
    key, sep, value = text.partition("=")
    if not sep or not _VARIABLE_NAME.fullmatch(key):
        raise argparse.ArgumentTypeError(
            f"expected KEY=VALUE with KEY a variable name (letters, digits, _), got {text!r}"
        )
    return key, value


def route_scopes(text: str) -> tuple[str, tuple[str, ...]]:
    try:
        return parse_route_scopes(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# While a debugger holds a breakpoint, neither the function nor the gateway gives up.
DEBUG_TIMEOUT_S = 3600.0


def function_config(
    args: argparse.Namespace,
    handler: str,
    env: dict[str, str],
    python_path: Sequence[str] = (),
) -> FunctionConfig:
    debugging = args.debug_port > 0
    return FunctionConfig(
        handler=handler,
        env=env,
        function_name=args.function_name,
        memory_mb=args.memory,
        timeout_s=DEBUG_TIMEOUT_S if debugging else args.timeout,
        # One environment: the debugger attaches to the one process that serves.
        reserved_concurrency=1 if debugging else args.concurrency,
        debug_port=args.debug_port or None,
        idle_ttl_s=args.idle_ttl,
        init_timeout_s=args.init_timeout,
        init_concurrency=args.init_concurrency or default_init_concurrency(),
        python_path=tuple(python_path),
        preload=tuple(m.strip() for m in args.preload.split(",") if m.strip()),
        cpu_group=args.cpu_group or None,
    )


def gateway_config(args: argparse.Namespace) -> GatewayConfig:
    timeout = DEBUG_TIMEOUT_S if args.debug_port > 0 else args.integration_timeout
    audiences = tuple(a.strip() for a in args.jwt_audience.split(",") if a.strip())
    if not audiences:
        raise SystemExit("--jwt-audience: at least one audience is needed")
    jwt = JwtSettings(
        issuer=args.jwt_issuer,
        audiences=audiences,
        route_scopes=tuple(args.jwt_scopes),
        key_file=args.jwt_key_file,
    )
    if jwt.key_file and not jwt.issuer:
        # Read (or made) now, so a bad key file stops the start with its name, not later.
        try:
            LocalIssuer.load(Path(jwt.key_file))
        except (OSError, ValueError) as exc:
            raise SystemExit(f"--jwt-key-file {jwt.key_file}: {exc}") from None
    return GatewayConfig(host=args.host, port=args.port, integration_timeout_s=timeout, jwt=jwt)
