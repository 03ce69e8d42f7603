"""The API function, specified once: read by the CDK app (infra/api.py, infra/functions.py,
infra/profiles.py, infra/database.py, infra/costs.py) and by `make run`
(pokedex_local/run.py, gateway/options.py defaults), the way
SAM reads a template for both, without a template.

Plain data (its one import, the deadlines, is plain data too), beside the route table
(routes.py), which both sides already read. It ships in the function asset (a few hundred
bytes): the migration runner (migrate.py) takes the application role's name from it; the
API handler does not import it.
"""

from __future__ import annotations

from dataclasses import dataclass

from pokedex.deadlines import FUNCTION_TIMEOUT_S


@dataclass(frozen=True)
class FunctionSpec:
    handler: str
    # Lambda gives M MB of memory M/1769 of one vCPU, which is what decides a cold start;
    # the size is chosen from measured cold starts (docs/local-runtime.md, "Memory size").
    memory_mb: int
    timeout_s: int
    architecture: str  # Lambda's name: "arm64" or "x86_64"
    # Every variable the function reads (pokedex/settings.py); the deployment sets them all.
    environment: tuple[str, ...]
    # Per deployment profile: at most this many environments, hence proxy client connections.
    reserved_concurrency: dict[str, int]
    # The PostgreSQL role the function logs in as (created by migrations/0003_app_role.sql).
    database_role: str
    # Variables the function also reads when a deployment has what they describe (a read
    # endpoint: pokedex/reads.py); unset, the function runs without it.
    optional_environment: tuple[str, ...] = ()


API_FUNCTION = FunctionSpec(
    handler="pokedex.handler.handler",
    memory_mb=512,
    # API Gateway's integration timeout is 30 s and cannot be raised; a longer function
    # timeout would only keep working after the client got its 503.
    timeout_s=FUNCTION_TIMEOUT_S,  # the deadline every other one is set under
    architecture="arm64",
    environment=("DB_ENDPOINT", "DB_PORT", "DB_NAME", "DB_SSLMODE", "DB_SSLROOTCERT", "SECRET"),
    reserved_concurrency={"dev": 20, "prod": 100},
    database_role="pokedex_app",
    optional_environment=("DB_READ_ENDPOINT", "DB_READ_PORT"),
)
