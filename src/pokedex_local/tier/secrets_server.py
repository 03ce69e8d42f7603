"""The Secrets Manager endpoint: pokedex_local/secrets_emulator.py, holding the RDS-shaped
secrets, answering only requests signed with this tier's own credentials."""

from __future__ import annotations

import json
import os
import secrets
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from pokedex_local import privileges, secrets_emulator
from pokedex_local.tier.endpoint import Endpoint
from pokedex_local.tier.processes import Child, spawn, wait_ready
from pokedex_local.tier.service_user import ServiceUser

REGION = secrets_emulator.REGION


def new_credentials() -> dict[str, str]:
    """Credentials for one tier: the endpoint accepts these and no others. They are written
    only to files the stack's user alone can read (tier.json, stack.json)."""
    return {
        "AWS_ACCESS_KEY_ID": "AKIALOCAL" + secrets.token_hex(6).upper(),
        "AWS_SECRET_ACCESS_KEY": secrets.token_urlsafe(30),
    }


def launch(port: int, log: Path, user: ServiceUser, credentials: dict[str, str]) -> Child:
    """Start the endpoint as the service account (not root), without waiting for it."""
    _, python = privileges.interpreter(user)  # the account's reach, not root's
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        # The endpoint needs the project's sources only, no third-party package.
        "PYTHONPATH": os.pathsep.join(str(p) for p in privileges.source_dirs()),
        "PYTHONDONTWRITEBYTECODE": "1",
        secrets_emulator.KEY_ENV: credentials["AWS_ACCESS_KEY_ID"],
        secrets_emulator.SECRET_ENV: credentials["AWS_SECRET_ACCESS_KEY"],
    }
    argv = [python, "-m", "pokedex_local.secrets_emulator", "--port", str(port)]
    return spawn("secrets", argv, log, user=user, env=env)


def wait(child: Child, url: str) -> None:
    wait_ready(child, lambda: _answers(url))


def put_secrets(url: str, secrets: dict[str, Endpoint], credentials: dict[str, str]) -> None:
    """Store each endpoint's credentials in the JSON shape RDS generates for its secrets."""
    client = client_for(url, credentials)
    for name, endpoint in secrets.items():
        client.create_secret(Name=name, SecretString=json.dumps(rds_secret(endpoint)))


def put_secret_value(url: str, name: str, endpoint: Endpoint, credentials: dict[str, str]) -> None:
    """A new version of an existing secret, as `aws secretsmanager put-secret-value` does."""
    client_for(url, credentials).put_secret_value(
        SecretId=name, SecretString=json.dumps(rds_secret(endpoint))
    )


def client_for(url: str, credentials: dict[str, str]) -> Any:
    """A boto3 Secrets Manager client for the endpoint at ``url``, signing with
    ``credentials`` (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, as in the function's env)."""
    # Imported here, not at the top: boto3 is the launcher's dependency only.
    import boto3

    return boto3.client(
        "secretsmanager",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
    )


def rds_secret(endpoint: Endpoint) -> dict[str, str | int]:
    return {
        "username": endpoint.user,
        "password": endpoint.password,
        "dbname": endpoint.dbname,
        "host": endpoint.host,
        "port": endpoint.port,
        "engine": "postgres",
    }


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}{secrets_emulator.HEALTH_PATH}", timeout=1):
            return True
    except (urllib.error.URLError, OSError):
        return False
