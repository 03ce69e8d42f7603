"""PgBouncer configured as the local stand-in for RDS Proxy (GUIDE §3)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from pokedex import pooling
from pokedex.deadlines import BORROW_TIMEOUT_S
from pokedex_local.tier.certs import Certificate
from pokedex_local.tier.errors import TierError
from pokedex_local.tier.ports import accepts
from pokedex_local.tier.postgres import OWNER, SUPERUSER_RESERVED_CONNECTIONS
from pokedex_local.tier.processes import Child, spawn, wait_ready
from pokedex_local.tier.service_user import ServiceUser

# RDS Proxy's default IdleClientTimeout. Its ConnectionBorrowTimeout (default 120 s) is
# lowered to pokedex.deadlines.BORROW_TIMEOUT_S, under the function's timeout, as the CDK app
# lowers it on the proxy.
IDLE_CLIENT_TIMEOUT_S = 1800
# After a failed login to PostgreSQL (it was restarting) PgBouncer waits this long before
# the next attempt; the default 15 s turned a 1 s restart into 15 s of errors. RDS Proxy
# reconnects as soon as the database is back: retry every fifth of a second.
SERVER_LOGIN_RETRY_S = 0.2
# The load lab drives 1,000 execution environments, each holding a client connection.
MAX_CLIENT_CONN = 5000


def pool_size(max_connections: int, max_connections_percent: int) -> int:
    """PgBouncer's max_db_connections for RDS Proxy's MaxConnectionsPercent.

    The last superuser_reserved_connections slots of max_connections accept only superusers,
    so the application role behind the proxy can never use them: counting them would let
    the pool promise connections PostgreSQL refuses ("remaining connection slots are
    reserved"). A percentage of what is left keeps the pool within what it can really open.
    """
    if not 1 <= max_connections_percent <= 100:
        raise ValueError(f"max_connections_percent must be 1..100, not {max_connections_percent}")
    usable = max_connections - SUPERUSER_RESERVED_CONNECTIONS
    size = usable * max_connections_percent // 100
    if size < 1:
        raise ValueError(
            f"max_connections={max_connections} at {max_connections_percent}% leaves no pool"
        )
    return size


def write_config(
    directory: Path,
    *,
    port: int,
    pg_port: int,
    pool: int,
    cert: Certificate,
    owner_password: str,
    user: ServiceUser,
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    auth_file = directory / "userlist.txt"
    # Only the owner is listed, in plain text, because PgBouncer must log in as auth_user
    # itself to run auth_query. Every other role (pokedex_app) is looked up in pg_shadow at
    # each login, so ALTER ROLE ... PASSWORD takes effect without a reload, as with a proxy
    # reading a rotated secret; the SCRAM secret found there lets PgBouncer pass the
    # client's proof through to PostgreSQL.
    auth_file.write_text(f'"{OWNER}" "{_escape(owner_password)}"\n')
    auth_file.chmod(0o600)
    config = directory / "pgbouncer.ini"
    config.write_text(
        render_config(
            port=port,
            pg_port=pg_port,
            pool=pool,
            cert_file=cert.cert,
            key_file=cert.key,
            auth_file=auth_file,
        )
    )
    user.give(directory)
    return config


def idle_floor(pool: int, max_idle_connections_percent: int) -> int:
    """PgBouncer's min_pool_size for RDS Proxy's MaxIdleConnectionsPercent: with
    server_idle_timeout, PgBouncer closes idle server connections above this many (checked
    on PgBouncer 1.18: 30 idle, min_pool_size 10, timeout 2 s → 10 left within 2 s)."""
    if not 0 <= max_idle_connections_percent <= 100:
        raise ValueError(
            f"max_idle_connections_percent must be 0..100, not {max_idle_connections_percent}"
        )
    return pool * max_idle_connections_percent // 100


def render_config(
    *, port: int, pg_port: int, pool: int, cert_file: Path, key_file: Path, auth_file: Path
) -> str:
    """pgbouncer.ini's text for these ports, pool size and files."""
    return f"""\
;; Written by pokedex_local.tier: RDS Proxy's defaults, translated.
[databases]
;; Any database name passes through to the one PostgreSQL, as through a proxy.
* = host=127.0.0.1 port={pg_port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
pool_mode = transaction
;; RDS Proxy has one pool per database, not per user: both limits are the same number.
max_db_connections = {pool}
default_pool_size = {pool}
;; RDS Proxy keeps idle connections up to MaxIdleConnectionsPercent of the pool and closes
;; the rest: PgBouncer closes the idle ones above min_pool_size after server_idle_timeout.
min_pool_size = {idle_floor(pool, pooling.MAX_IDLE_CONNECTIONS_PERCENT)}
server_idle_timeout = {pooling.IDLE_TRIM_AFTER_S}
max_client_conn = {MAX_CLIENT_CONN}
query_wait_timeout = {BORROW_TIMEOUT_S}
server_login_retry = {SERVER_LOGIN_RETRY_S}
client_idle_timeout = {IDLE_CLIENT_TIMEOUT_S}
auth_type = scram-sha-256
auth_file = {auth_file}
auth_user = {OWNER}
admin_users = {OWNER}
ignore_startup_parameters = extra_float_digits
client_tls_sslmode = require
client_tls_cert_file = {cert_file}
client_tls_key_file = {key_file}
;; Loopback to PostgreSQL: TLS there would only cost the load lab CPU.
server_tls_sslmode = disable
"""


def start_bouncer(
    config: Path, log: Path, port: int, user: ServiceUser, *, name: str = "pgbouncer"
) -> Child:
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not Path(binary).exists():
        raise TierError("pgbouncer was not found; install the pgbouncer package")
    # Foreground (no -d), so the pid is ours; SIGTERM is its immediate shutdown.
    child = spawn(name, [binary, str(config)], log, user=user)
    wait_ready(child, lambda: accepts(port))
    return child


def pool_totals(
    admin: Any, database: str, keys: tuple[str, ...], user: str | None = None
) -> dict[str, int]:
    """``keys`` of SHOW POOLS summed over ``database``'s pools (one per user; only
    ``user``'s if given), read on a connection to the admin console (which speaks only the
    simple query protocol: it must have been opened with prepare_threshold=None)."""
    cursor = admin.execute("SHOW POOLS")
    names = [c.name for c in cursor.description or []]
    totals = dict.fromkeys(keys, 0)
    for values in cursor.fetchall():
        pool = dict(zip(names, values, strict=True))
        if pool.get("database") == database and user in (None, pool.get("user")):
            for key in keys:
                totals[key] += int(pool.get(key) or 0)
    return totals


def _escape(value: str) -> str:
    return value.replace('"', '""')
