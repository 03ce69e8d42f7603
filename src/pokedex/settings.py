"""The function's configuration, read from the environment once, at the boundary."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from pokedex.deadlines import CONNECT_TIMEOUT_S
from pokedex.errors import ConfigurationError

SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
# A relative DB_SSLROOTCERT names a file shipped in this package (amazon-root-cas.pem).
_PACKAGE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Settings:
    db_endpoint: str
    secret_id: str
    db_port: int = 5432
    # None: use the dbname field of the secret, as RDS-generated secrets carry one.
    db_name: str | None = None
    db_sslmode: str = "require"
    # CA bundle that verify-ca/verify-full check the server's certificate against; None:
    # libpq's default (~/.postgresql/root.crt).
    db_sslrootcert: str | None = None
    connect_timeout_s: int = CONNECT_TIMEOUT_S
    # A read-only endpoint (a replica, an Aurora reader endpoint) for the reads that need not
    # see this API's writes; None: every query goes to db_endpoint. See pokedex/reads.py.
    db_read_endpoint: str | None = None
    db_read_port: int = 5432

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        port = _integer(env, "DB_PORT", 5432, low=1, high=65535)
        read_endpoint = env.get("DB_READ_ENDPOINT", "").strip() or None
        if read_endpoint is None and env.get("DB_READ_PORT", "").strip():
            # A port alone would be silently ignored: say which half is missing.
            raise ConfigurationError(
                "environment variable DB_READ_PORT is set but DB_READ_ENDPOINT is missing or empty"
            )
        return cls(
            db_endpoint=_required(env, "DB_ENDPOINT"),
            secret_id=_required(env, "SECRET"),
            db_port=port,
            db_name=env.get("DB_NAME", "").strip() or None,
            db_sslmode=_choice(env, "DB_SSLMODE", "require", SSL_MODES),
            db_sslrootcert=_existing_file(env, "DB_SSLROOTCERT"),
            connect_timeout_s=_integer(
                env, "DB_CONNECT_TIMEOUT", CONNECT_TIMEOUT_S, low=1, high=60
            ),
            db_read_endpoint=read_endpoint,
            db_read_port=_integer(env, "DB_READ_PORT", port, low=1, high=65535),
        )

    def for_reads(self) -> Settings | None:
        """These settings pointed at the read endpoint (same database, credentials and TLS),
        or None when there is none."""
        if self.db_read_endpoint is None:
            return None
        return replace(self, db_endpoint=self.db_read_endpoint, db_port=self.db_read_port)


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigurationError(f"environment variable {name} is missing or empty")
    return value


def _existing_file(env: Mapping[str, str], name: str) -> str | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    path = _PACKAGE_DIR / raw  # an absolute raw path stays as it is
    if not path.is_file():
        raise ConfigurationError(f"environment variable {name}={raw!r}: no such file {path}")
    return str(path)


def _integer(env: Mapping[str, str], name: str, default: int, *, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"environment variable {name}={raw!r} is not an integer") from None
    if not low <= value <= high:
        raise ConfigurationError(f"environment variable {name}={value} is outside {low}..{high}")
    return value


def _choice(env: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = env.get(name, "").strip() or default
    if value not in allowed:
        raise ConfigurationError(
            f"environment variable {name}={value!r} is not one of {', '.join(allowed)}"
        )
    return value
