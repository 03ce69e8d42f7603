"""Options shared by ``python -m pokedex_local.run`` and ``python -m pokedex_local.gateway``,
and the serve loop both use: start, wait for Ctrl-C or SIGTERM, stop everything."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, TypeVar

from pokedex.function_spec import API_FUNCTION
from pokedex.routes import Route
from pokedex_local.gateway.routing import Router
from pokedex_local.gateway.server import ADMIN_PATH, Gateway, GatewayConfig
from pokedex_local.lambda_env.config import FunctionConfig, default_init_concurrency
from pokedex_local.lambda_env.pool import EnvironmentPool

# (flag, environment variable, type, default, help)
OPTIONS: tuple[tuple[str, str, type, Any, str], ...] = (
    ("--host", "POKEDEX_HOST", str, "127.0.0.1", "address the gateway listens on"),
    ("--port", "POKEDEX_PORT", int, 3000, "gateway port (0: any free port)"),
    ("--concurrency", "POKEDEX_CONCURRENCY", int, 1000,
     "reserved concurrency: most environments at once; beyond it invocations are throttled"),
    ("--timeout", "POKEDEX_TIMEOUT", float, float(API_FUNCTION.timeout_s),
     "function timeout in seconds (the stack's value); the environment is discarded after it"),
    ("--memory", "POKEDEX_MEMORY", int, API_FUNCTION.memory_mb,
     "function memory size in MB (reported, not enforced)"),
    ("--idle-ttl", "POKEDEX_IDLE_TTL", float, 300.0,
     "seconds an idle environment is kept warm before it is reclaimed"),
    ("--init-timeout", "POKEDEX_INIT_TIMEOUT", float, 10.0,
     "init phase limit in seconds (time spent waiting for a CPU excluded)"),
    ("--init-concurrency", "POKEDEX_INIT_CONCURRENCY", int, 0,
     "environments in their cold start at once, the rest queued (0: twice the CPU count)"),
    ("--integration-timeout", "POKEDEX_INTEGRATION_TIMEOUT", float, 30.0,
     "gateway integration timeout in seconds, answered with 503 (fixed at 30 s on AWS)"),
    ("--function-name", "POKEDEX_FUNCTION_NAME", str, "pokedex-local",
     "AWS_LAMBDA_FUNCTION_NAME of the environments"),
    ("--preload", "POKEDEX_PRELOAD", str, "",
     "comma-separated modules the fork server imports once for all environments, e.g. "
     "psycopg: less memory per environment, but their import leaves the cold start"),
)  # fmt: skip


def add_options(parser: argparse.ArgumentParser) -> None:
    for flag, variable, kind, default, text in OPTIONS:
        parser.add_argument(
            flag,
            type=kind,
            default=os.environ.get(variable, default),
            help=f"{text} [env {variable}, default {default}]",
        )


def function_config(
    args: argparse.Namespace,
    handler: str,
    env: dict[str, str],
    python_path: Sequence[str] = (),
) -> FunctionConfig:
    return FunctionConfig(
        handler=handler,
        env=env,
        function_name=args.function_name,
        memory_mb=args.memory,
        timeout_s=args.timeout,
        reserved_concurrency=args.concurrency,
        idle_ttl_s=args.idle_ttl,
        init_timeout_s=args.init_timeout,
        init_concurrency=args.init_concurrency or default_init_concurrency(),
        python_path=tuple(python_path),
        preload=tuple(m.strip() for m in args.preload.split(",") if m.strip()),
    )


def gateway_config(args: argparse.Namespace) -> GatewayConfig:
    return GatewayConfig(
        host=args.host, port=args.port, integration_timeout_s=args.integration_timeout
    )


T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on uvloop when it imports: the gateway's per-request work is mostly
    the event loop's (sockets, callbacks, timers), which uvloop does in C. Plain asyncio
    otherwise, with the same behaviour, only slower."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


def raise_open_files_limit() -> None:
    """A thousand environments and their clients need a few thousand descriptors."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = 65536 if hard == resource.RLIM_INFINITY else hard
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


async def serve(
    gateway_cfg: GatewayConfig,
    function_cfg: FunctionConfig,
    routes: Sequence[Route],
    on_ready: Callable[[Gateway, EnvironmentPool], Awaitable[None]],
    *,
    default_route: bool = False,
) -> None:
    """Serve until SIGINT or SIGTERM; SIGUSR1 prints the environments' summary."""
    raise_open_files_limit()
    router = Router(routes, default_route=default_route)
    pool = EnvironmentPool(function_cfg)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    loop.add_signal_handler(signal.SIGUSR1, lambda: print_summary(pool))
    await pool.start()
    gateway = Gateway(gateway_cfg, router, pool)
    try:
        await gateway.start()
        await on_ready(gateway, pool)
        await stopping.wait()
    finally:
        await gateway.stop()
        print_summary(pool)
        await pool.stop()


def print_summary(pool: EnvironmentPool) -> None:
    summary = {k: v for k, v in pool.summary().items() if k != "environments"}
    print(f"environments: {json.dumps(summary)} (details: GET {ADMIN_PATH})", file=sys.stderr)
