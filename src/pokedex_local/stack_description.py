"""What `make run` writes and prints about the stack it runs: stack.json and the banner.

stack.json, in the stack's state directory, is how the tools find a running stack
(stack_location.py): its URLs, the tier's endpoints and pids, the function, and where its
state is.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from pokedex.function_spec import API_FUNCTION
from pokedex_local import stack_location
from pokedex_local.gateway import jwt_setup
from pokedex_local.gateway.server import ADMIN_PATH, LIVE_PATH, OPENAPI_PATH, Gateway
from pokedex_local.lambda_env.config import FunctionConfig
from pokedex_local.lambda_env.pool import EnvironmentPool
from pokedex_local.tier import LocalTier
from pokedex_local.tier.private_file import write_private


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


def announce(url: str, via: str, stack_file: Path, port: int) -> None:
    target = "PgBouncer" if via == "proxy" else "PostgreSQL directly (no pooling)"
    # The tools find this stack by its port (stack_location.py), as make run found its state.
    beside = "" if port == stack_location.DEFAULT_PORT else f" PORT={port}"
    print(
        f"\nPokédex API at {url}  (function → {target})\n"
        f"  curl {url}/poke_info/25\n"
        f"  curl {url}/poke_info\n"
        f'  TOKEN=$(make -s token USER=ash{beside}); curl -H "Authorization: Bearer $TOKEN" '
        f"{url}/teams\n"
        f"  live view: {url}{LIVE_PATH}\n"
        f"  environments: curl {url}{ADMIN_PATH}   (or kill -USR1 {os.getpid()})\n"
        f"  stack description: {stack_file}\n"
        "Ctrl-C to stop.\n",
        file=sys.stderr,
        flush=True,
    )
