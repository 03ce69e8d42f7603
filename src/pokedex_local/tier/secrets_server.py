"""The Secrets Manager endpoint: moto's server, holding the RDS-shaped secrets."""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from pokedex_local.tier.endpoint import Endpoint
from pokedex_local.tier.processes import Child, spawn, wait_ready
from pokedex_local.tier.service_user import ServiceUser

REGION = "us-east-1"
# Moto accepts any credentials; these fake ones keep boto3 from looking for real ones.
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def launch(port: int, log: Path, user: ServiceUser) -> Child:
    """Start moto without waiting: its imports take a second or two, spent while initdb runs."""
    # Moto is ordinary Python and is happy as root: it runs as the launcher's own user.
    me = ServiceUser("launcher", os.geteuid(), os.getegid())
    env = {**os.environ, **FAKE_CREDENTIALS, "AWS_DEFAULT_REGION": REGION}
    return spawn(
        "secrets",
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        log,
        user=me,
        env=env,
    )


def wait(child: Child, url: str) -> None:
    wait_ready(child, lambda: _answers(url))


def put_secrets(url: str, secrets: dict[str, Endpoint]) -> None:
    """Store each endpoint's credentials in the JSON shape RDS generates for its secrets."""
    client = _client(url)
    for name, endpoint in secrets.items():
        client.create_secret(Name=name, SecretString=json.dumps(rds_secret(endpoint)))


def put_secret_value(url: str, name: str, endpoint: Endpoint) -> None:
    """A new version of an existing secret, as `aws secretsmanager put-secret-value` does."""
    _client(url).put_secret_value(SecretId=name, SecretString=json.dumps(rds_secret(endpoint)))


def _client(url: str) -> Any:
    # Imported here, not at the top: boto3 is the launcher's dependency only.
    import boto3

    return boto3.client(
        "secretsmanager",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
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
        with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
            return True
    except (urllib.error.URLError, OSError):
        return False
