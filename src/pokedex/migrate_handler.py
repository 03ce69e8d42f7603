"""The deploy-time trigger: applies the migrations through the proxy as the owner.

Same settings as the API function (DB_ENDPOINT, DB_PORT, DB_NAME, DB_SSLMODE), but SECRET
names the owner's secret, and APP_SECRET the application role's, whose password it sets.
Any failure raises, which fails the trigger and with it the deployment.
"""

from __future__ import annotations

import os
import time
from typing import Any

import psycopg

from pokedex.db import connection_params
from pokedex.errors import ConfigurationError
from pokedex.migrate import migrate
from pokedex.observability import configure_logging
from pokedex.secrets import DbCredentials, SecretsManagerClient
from pokedex.settings import Settings

logger = configure_logging()
# Right after a first deploy the proxy can refuse connections until its target is
# registered; the trigger waits for it rather than failing the deployment.
CONNECT_DEADLINE_S = 180.0
RETRY_PAUSE_S = 5.0


def connect_with_retry(
    params: dict[str, Any], deadline_s: float = CONNECT_DEADLINE_S
) -> psycopg.Connection[Any]:
    end = time.monotonic() + deadline_s
    while True:
        try:
            return psycopg.connect(**params)
        except psycopg.OperationalError as exc:
            if time.monotonic() + RETRY_PAUSE_S > end:
                raise
            logger.warning("database not reachable yet, retrying: %s", str(exc).strip()[:200])
            time.sleep(RETRY_PAUSE_S)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    settings = Settings.from_env()
    app_secret_id = os.environ.get("APP_SECRET", "").strip()
    if not app_secret_id:
        raise ConfigurationError("environment variable APP_SECRET is missing or empty")
    client = SecretsManagerClient()
    owner = DbCredentials.from_secret_string(
        settings.secret_id, client.get_secret_string(settings.secret_id)
    )
    app = DbCredentials.from_secret_string(app_secret_id, client.get_secret_string(app_secret_id))
    with connect_with_retry(connection_params(settings, owner)) as conn:
        applied = migrate(conn, app_password=app.password)
    logger.info("migrations done", extra={"applied": applied})
    return {"applied": applied}
