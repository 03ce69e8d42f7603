"""The gateway's serve loop, shared by ``python -m pokedex_local.run`` and
``python -m pokedex_local.gateway``: start the pools and the gateway, wait for Ctrl-C or
SIGTERM, stop everything."""

from __future__ import annotations

import asyncio
import json
import os
import resource
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from pokedex.routes import Route
from pokedex_local.gateway.routing import Router
from pokedex_local.gateway.server import ADMIN_PATH, Gateway, GatewayConfig
from pokedex_local.lambda_env import reload
from pokedex_local.lambda_env.config import FunctionConfig
from pokedex_local.lambda_env.pool import EnvironmentPool


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
    watch: Sequence[Path] = (),
    others: Sequence[FunctionConfig] = (),
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
    # Functions reached only through the Invoke API (the migrations), each with its pool.
    extra = {config.function_name: EnvironmentPool(config) for config in others}
    for each in (pool, *extra.values()):
        await each.start()
    gateway = Gateway(gateway_cfg, router, pool, extra)
    watcher = None
    if watch:
        # The first look is taken now, before the stack says it is ready.
        seen = reload.snapshot(watch)
        on_change = reloader(pool, *extra.values())
        watcher = asyncio.create_task(reload.watch(watch, on_change, seen))
    try:
        await gateway.start()
        await on_ready(gateway, pool)
        await stopping.wait()
    finally:
        if watcher is not None:
            watcher.cancel()
        await gateway.stop()
        print_summary(pool)
        for each in (pool, *extra.values()):
            await each.stop()


def reloader(*pools: EnvironmentPool) -> Callable[[list[str]], None]:
    def on_change(paths: list[str]) -> None:
        shown = ", ".join(os.path.relpath(p) for p in paths[:3]) + (" ..." if paths[3:] else "")
        print(
            f"reload: {shown} changed; the next invocations run the new code "
            "(idle environments recycled, busy ones after their invocation)",
            file=sys.stderr,
            flush=True,
        )
        for path in paths:
            reload.forget_bytecode(path)
        for pool in pools:
            pool.recycle()

    return on_change


def print_summary(pool: EnvironmentPool) -> None:
    summary = {k: v for k, v in pool.summary().items() if k != "environments"}
    print(f"environments: {json.dumps(summary)} (details: GET {ADMIN_PATH})", file=sys.stderr)
