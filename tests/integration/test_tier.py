"""The local database tier: what PgBouncer enforces, the secrets, and clean process lifecycles."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import threading
import time
from pathlib import Path
from typing import Any

import botocore.exceptions
import psycopg
import pytest
from psycopg import sql

from pokedex import deadlines, pooling
from pokedex_local.tier import Endpoint, LocalTier, pgbouncer, secrets_server
from pokedex_local.tier.processes import alive
from pokedex_local.tier.service_user import service_user
from tests.integration.test_supervision import wait_until

pytestmark = pytest.mark.integration


def connect(endpoint: Endpoint, sslmode: str = "require", **kwargs: Any) -> psycopg.Connection[Any]:
    return psycopg.connect(
        endpoint.conninfo(sslmode=sslmode), prepare_threshold=None, connect_timeout=5, **kwargs
    )


def config_value(tier: LocalTier, name: str) -> str:
    match = re.search(rf"^{name}\s*=\s*(\S+)", tier.pgbouncer_config.read_text(), re.MULTILINE)
    assert match is not None, f"{name} is not in {tier.pgbouncer_config}"
    return match[1]


def wait_gone(pids: list[int], deadline_s: float = 15.0) -> list[int]:
    """The pids still running after the deadline."""
    end = time.monotonic() + deadline_s
    while any(alive(pid) for pid in pids) and time.monotonic() < end:
        time.sleep(0.05)
    return [pid for pid in pids if alive(pid)]


# -- what PgBouncer enforces ---------------------------------------------------------------


def test_pgbouncer_requires_tls(tier: LocalTier) -> None:
    with pytest.raises(psycopg.OperationalError):
        connect(tier.pgbouncer, sslmode="disable").close()

    with connect(tier.pgbouncer) as conn:
        assert conn.pgconn.ssl_in_use
        assert conn.execute("SELECT current_database()").fetchone() == (tier.dbname,)


def test_postgres_direct_accepts_tls_too(tier: LocalTier) -> None:
    with connect(tier.postgres) as conn:
        assert conn.pgconn.ssl_in_use


def test_pgbouncer_refuses_a_wrong_password(tier: LocalTier) -> None:
    wrong = dataclasses.replace(tier.pgbouncer, password="not-the-password")
    with pytest.raises(psycopg.OperationalError, match="authentication failed"):
        connect(wrong).close()


def test_the_application_role_logs_in_through_pgbouncer(tier: LocalTier) -> None:
    app = dataclasses.replace(tier.pgbouncer, user=tier.app_user, password=tier.app_password)
    with connect(app) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (tier.app_user,)


def test_show_pools_through_the_admin_console(tier: LocalTier) -> None:
    with connect(tier.pgbouncer) as conn:
        conn.execute("SELECT 1")
    admin = dataclasses.replace(tier.pgbouncer, dbname="pgbouncer")
    # The admin console speaks only the simple query protocol: a client-side-binding cursor.
    with connect(admin, autocommit=True, cursor_factory=psycopg.ClientCursor) as conn:
        cur = conn.execute("SHOW POOLS")
        columns = [c.name for c in cur.description or []]
        pools = [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]
    assert any(p["database"] == tier.dbname and p["pool_mode"] == "transaction" for p in pools)


def test_pool_size_is_derived_from_max_connections(tier: LocalTier) -> None:
    # 100% of max_connections=100 minus PostgreSQL's 3 superuser-reserved slots.
    assert tier.pool_size == 97
    assert config_value(tier, "max_db_connections") == "97"
    assert config_value(tier, "default_pool_size") == "97"
    assert config_value(tier, "pool_mode") == "transaction"
    # The borrow timeout the CDK app gives RDS Proxy (pokedex/deadlines.py), not 120 s.
    assert config_value(tier, "query_wait_timeout") == str(deadlines.BORROW_TIMEOUT_S)
    assert config_value(tier, "client_idle_timeout") == "1800"
    # RDS Proxy's MaxIdleConnectionsPercent (50 % of the pool stays open when idle).
    assert config_value(tier, "min_pool_size") == str(
        97 * pooling.MAX_IDLE_CONNECTIONS_PERCENT // 100
    )
    assert config_value(tier, "server_idle_timeout") == str(pooling.IDLE_TRIM_AFTER_S)


def test_pgbouncer_closes_idle_connections_above_the_idle_share(tier_dir: Path) -> None:
    # A small tier of its own (pool 17, idle floor 8), its trim delay cut to 1 s.
    with LocalTier(tier_dir, max_connections=20, migrate=True) as small:
        assert config_value(small, "min_pool_size") == "8"
        config = small.pgbouncer_config
        config.write_text(
            re.sub(r"server_idle_timeout = \d+", "server_idle_timeout = 1", config.read_text())
        )
        admin = dataclasses.replace(small.pgbouncer, dbname="pgbouncer").conninfo()
        with psycopg.connect(admin, autocommit=True, prepare_threshold=None) as console:
            console.execute("RELOAD")

            def servers() -> dict[str, int]:
                # The application role's pool (PgBouncer's auth_user has one of its own).
                return pgbouncer.pool_totals(
                    console, small.dbname, ("sv_active", "sv_idle"), user=small.app_user
                )

            app = dataclasses.replace(
                small.pgbouncer, user=small.app_user, password=small.app_password
            )
            barrier = threading.Barrier(14)

            def hold() -> None:
                with psycopg.connect(app.conninfo(), autocommit=True) as conn:
                    barrier.wait()
                    conn.execute("SELECT pg_sleep(0.5)")

            threads = [threading.Thread(target=hold) for _ in range(14)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert servers()["sv_idle"] >= 14  # all 14 opened, now idle
            wait_until(lambda: servers()["sv_idle"] <= 8, 10)
            assert servers()["sv_idle"] == 8


def test_a_password_changed_in_the_database_is_picked_up(
    tier: LocalTier, owner_conn: psycopg.Connection[Any]
) -> None:
    role = sql.Identifier("rotation_probe")
    owner_conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(role))
    owner_conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD 'before-1'").format(role))
    try:
        before = dataclasses.replace(tier.pgbouncer, user="rotation_probe", password="before-1")
        with connect(before) as conn:
            conn.execute("SELECT 1")

        owner_conn.execute(sql.SQL("ALTER ROLE {} PASSWORD 'after-2'").format(role))
        # Close the pooled server connections too, so the new login must reach PostgreSQL.
        owner_conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
            ("rotation_probe",),
        )

        with connect(dataclasses.replace(before, password="after-2")) as conn:
            assert conn.execute("SELECT current_user").fetchone() == ("rotation_probe",)
        with pytest.raises(psycopg.OperationalError, match="authentication failed"):
            connect(before).close()
    finally:
        owner_conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
            ("rotation_probe",),
        )
        owner_conn.execute(sql.SQL("DROP ROLE {}").format(role))


# -- the secrets and the function's environment --------------------------------------------


def test_the_secrets_have_the_rds_shape(tier: LocalTier) -> None:
    client = secrets_server.client_for(tier.secrets_endpoint, tier.aws_credentials)

    def secret(name: str) -> Any:
        return json.loads(client.get_secret_value(SecretId=name)["SecretString"])

    common = {"host": "127.0.0.1", "port": tier.postgres.port, "engine": "postgres"}
    assert secret(tier.owner_secret_name) == {
        **common,
        "username": "postgres",
        "password": tier.postgres.password,
        "dbname": tier.dbname,
    }
    assert secret(tier.app_secret_name) == {
        **common,
        "username": tier.app_user,
        "password": tier.app_password,
        "dbname": tier.dbname,
    }


def test_function_env_points_at_the_proxy_or_the_database(tier: LocalTier) -> None:
    proxy, direct = tier.function_env(), tier.function_env(via="direct")
    assert proxy["DB_PORT"] == str(tier.pgbouncer.port)
    assert direct["DB_PORT"] == str(tier.postgres.port)
    assert proxy["SECRET"] == tier.app_secret_name
    assert proxy["AWS_ENDPOINT_URL_SECRETS_MANAGER"] == tier.secrets_endpoint
    assert (proxy["DB_SSLMODE"], direct["DB_SSLMODE"]) == ("verify-full", "verify-full")
    assert Path(proxy["DB_SSLROOTCERT"]).read_text().startswith("-----BEGIN CERTIFICATE-----")


# -- process lifecycle ---------------------------------------------------------------------


def test_restart_pgbouncer_keeps_the_port_and_breaks_clients(tier: LocalTier) -> None:
    port, pid = tier.pgbouncer.port, tier.pids["pgbouncer"]
    held = connect(tier.pgbouncer, autocommit=True)
    held.execute("SELECT 1")

    tier.restart_pgbouncer()

    assert tier.pgbouncer.port == port
    assert tier.pids["pgbouncer"] != pid
    assert not alive(pid)
    with pytest.raises(psycopg.OperationalError):
        held.execute("SELECT 1")
    held.close()
    with connect(tier.pgbouncer) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_the_secrets_endpoint_runs_unprivileged_and_answers_only_the_stack(tier: LocalTier) -> None:
    status = Path(f"/proc/{tier.pids['secrets']}/status").read_text()
    uid = int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1])
    assert uid == service_user().uid
    if os.geteuid() == 0:
        assert uid != 0
    # Another account on the machine reaches the port but holds no valid credentials.
    stranger = secrets_server.client_for(
        tier.secrets_endpoint, {"AWS_ACCESS_KEY_ID": "AKIAOTHER", "AWS_SECRET_ACCESS_KEY": "x"}
    )
    with pytest.raises(botocore.exceptions.ClientError, match="UnrecognizedClientException"):
        stranger.get_secret_value(SecretId=tier.app_secret_name)
