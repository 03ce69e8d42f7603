"""Serve any handler behind the local gateway (the e2e tests use it with test handlers).

    python -m pokedex_local.gateway --handler probe.handler --pythonpath tests/e2e/handlers \
        --env KEY=VALUE --port 0 --ready-file /tmp/ready.json
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

from pokedex.routes import Route
from pokedex_local import event_loop
from pokedex_local.gateway import options, serving
from pokedex_local.gateway.server import Gateway
from pokedex_local.lambda_env.pool import EnvironmentPool

# What --help says: a constant, since python -OO strips docstrings.
DESCRIPTION = (
    "Serve any handler behind the local gateway (the e2e tests use it with test handlers)."
)


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m pokedex_local.gateway", description=DESCRIPTION
    )
    parser.add_argument("--handler", required=True, help="module.function run in environments")
    parser.add_argument(
        "--routes", default="pokedex.routes:ROUTES", help="module:attribute of the route table"
    )
    parser.add_argument("--default-route", action="store_true", help="add a $default route")
    parser.add_argument("--pythonpath", action="append", default=[], help="import path entry")
    parser.add_argument("--ready-file", type=Path, help="write {url, pids} here once serving")
    options.add_options(parser)
    args = parser.parse_args()
    python_path = [str(Path(p).resolve()) for p in args.pythonpath]
    sys.path[:0] = python_path  # a test route table may live next to its handlers
    module_name, _, attribute = args.routes.partition(":")
    routes: tuple[Route, ...] = getattr(importlib.import_module(module_name), attribute)
    env = dict(args.env)

    async def ready(gateway: Gateway, pool: EnvironmentPool) -> None:
        print(f"serving {args.handler} at {gateway.url}", flush=True)
        if args.ready_file:
            # Written whole, then renamed: a poller never reads half a file.
            partial = args.ready_file.with_suffix(".partial")
            partial.write_text(json.dumps({"url": gateway.url, "pids": pool.pids}))
            partial.replace(args.ready_file)

    event_loop.run(
        serving.serve(
            options.gateway_config(args),
            options.function_config(args, args.handler, env, python_path),
            routes,
            ready,
            default_route=args.default_route,
            watch=args.watch,
        )
    )


if __name__ == "__main__":
    main()
