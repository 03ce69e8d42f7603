"""What a running tier tells its clients: the function's environment, and tier.json."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pokedex_local.tier import certs, secrets_server

if TYPE_CHECKING:
    from pokedex_local.tier.tier import LocalTier

VIAS = ("proxy", "direct")


def function_env(tier: LocalTier, via: str) -> dict[str, str]:
    """The environment the Lambda function gets, pointed at PgBouncer or at PostgreSQL."""
    if via not in VIAS:
        raise ValueError(f"via must be 'proxy' or 'direct', not {via!r}")
    target = tier.pgbouncer if via == "proxy" else tier.postgres
    reads = tier.replica.function_env(via) if tier.replica else {}
    return {
        "DB_ENDPOINT": target.host,
        "DB_PORT": str(target.port),
        "DB_NAME": tier.dbname,
        # The proxy's certificate checked as in the cloud, against the tier's own CA.
        "DB_SSLMODE": "verify-full",
        "DB_SSLROOTCERT": str(tier.home_dir / "tls" / certs.CA_FILE),
        "SECRET": tier.app_secret_name,
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": tier.secrets_endpoint,
        "AWS_REGION": secrets_server.REGION,
        "AWS_DEFAULT_REGION": secrets_server.REGION,
        # The only credentials the local Secrets Manager endpoint accepts.
        **tier.aws_credentials,
        **reads,
    }


def describe(tier: LocalTier) -> dict[str, Any]:
    return {
        "postgres": vars(tier.postgres).copy(),
        "pgbouncer": vars(tier.pgbouncer).copy(),
        "secrets_endpoint": tier.secrets_endpoint,
        "owner_secret_name": tier.owner_secret_name,
        "app_secret_name": tier.app_secret_name,
        "app_user": tier.app_user,
        "pids": tier.pids,
        "pool_size": tier.pool_size,
        "max_connections": tier.max_connections,
        "max_connections_percent": tier.max_connections_percent,
        "data_dir": str(tier.data_dir),
        "logs_dir": str(tier.home_dir / "logs"),
        **_describe_reads(tier),
    }


def _describe_reads(tier: LocalTier) -> dict[str, Any]:
    """The endpoints by role; with a replica, the standby and its PgBouncer as well."""
    reader = tier.replica.reader if tier.replica else None
    endpoints = {
        "writer": {"host": tier.pgbouncer.host, "port": tier.pgbouncer.port},
        "reader": {"host": reader.host, "port": reader.port} if reader else None,
    }
    more = tier.replica.describe() if tier.replica else {}
    return {"reads": tier.reads, "endpoints": endpoints, **more}
