"""A hot standby of the throwaway PostgreSQL: the read replica's stand-in.

Streaming replication as RDS and Aurora replicas use it (physical, asynchronous): a base
backup of the primary with ``pg_basebackup -R`` (which writes ``standby.signal`` and the
``primary_conninfo`` to follow), started on its own port with ``hot_standby`` (on by
default) so that it serves read-only queries while it replays the primary's WAL.

The primary needs nothing changed: PostgreSQL 15's defaults are ``wal_level = replica``
and ten WAL senders, and initdb's pg_hba.conf already has a ``replication`` line for
127.0.0.1 (scram-sha-256, as every other login here). The standby logs in as a role of
its own that may replicate and do nothing else. ``-C -S`` creates a physical replication
slot, so the primary keeps every WAL segment the standby has not received: a standby that
was down (killed, being restarted by the supervisor) catches up instead of finding its
WAL recycled.

The backup is taken after the migrations, so the standby starts with the data the API
reads; ``wait_caught_up`` then waits until it has replayed what the primary had written
when it started, and the stack is not ready before that.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from pokedex_local.tier.endpoint import Endpoint
from pokedex_local.tier.errors import TierError
from pokedex_local.tier.postgres import bindir
from pokedex_local.tier.processes import run
from pokedex_local.tier.service_user import ServiceUser

REPLICATION_USER = "pokedex_replication"
SLOT = "pokedex_standby"
# The standby's walreceiver reports this as its application_name in pg_stat_replication.
CLUSTER_NAME = "pokedex_standby"


def create_replication_role(owner: Endpoint, password: str) -> None:
    """A role that may stream WAL and nothing else (no superuser, no table access)."""
    with psycopg.connect(owner.conninfo(sslmode="disable"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} WITH REPLICATION LOGIN PASSWORD {}").format(
                sql.Identifier(REPLICATION_USER), sql.Literal(password)
            )
        )


def base_backup(primary: Endpoint, data_dir: Path, user: ServiceUser) -> None:
    """Copy the primary into ``data_dir`` as a standby that follows it through ``SLOT``."""
    run(
        [
            str(bindir() / "pg_basebackup"),
            "--host", primary.host, "--port", str(primary.port), "--username", primary.user,
            "--pgdata", str(data_dir),
            "--write-recovery-conf",  # standby.signal and primary_conninfo
            "--create-slot", "--slot", SLOT,
            "--wal-method", "stream",  # the WAL written during the copy comes with it
            "--checkpoint", "fast",  # start now rather than at the next checkpoint
            "--no-sync",  # throwaway data, as initdb's --no-sync
        ],
        "pg_basebackup",
        user=user,
        # The password through the environment, not the command line (ps shows that).
        # Loopback: TLS on the replication stream would only cost CPU, as PgBouncer's
        # server side (server_tls_sslmode = disable).
        env={**os.environ, "PGPASSWORD": primary.password, "PGSSLMODE": "disable"},
    )  # fmt: skip


def configure(data_dir: Path, *, port: int) -> None:
    """The primary's settings came with the backup; the standby differs in its port."""
    with (data_dir / "postgresql.conf").open("a") as conf:
        conf.write(
            "\n# Written by pokedex_local.tier.standby: the standby's own settings\n"
            f"port = {port}\n"
            f"cluster_name = '{CLUSTER_NAME}'\n"
        )


def wait_caught_up(primary: Endpoint, standby: Endpoint, deadline_s: float = 30.0) -> None:
    """Wait until ``standby`` has replayed everything ``primary`` had written when called."""
    with psycopg.connect(primary.conninfo(sslmode="disable"), autocommit=True) as conn:
        row = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()
    assert row is not None
    target = str(row[0])
    end = time.monotonic() + deadline_s
    with psycopg.connect(standby.conninfo(sslmode="disable"), autocommit=True) as conn:
        while True:
            replayed = conn.execute(
                "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn, pg_last_wal_replay_lsn()::text",
                (target,),
            ).fetchone()
            if replayed is not None and replayed[0]:
                return
            if time.monotonic() > end:
                raise TierError(
                    f"the standby replayed up to {replayed[1] if replayed else '?'} in"
                    f" {deadline_s:.0f} s, short of the primary's {target}"
                )
            time.sleep(0.02)


# As the primary sees it: the standby's state, the WAL it has not replayed yet (bytes),
# and replay_lag, the time between a commit on the primary and its replay on the standby.
_LAG = (
    "SELECT state, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint,"
    " extract(epoch FROM replay_lag)::float8"
    " FROM pg_stat_replication WHERE application_name = %s"
)


def replication_lag(primary: psycopg.Connection[Any]) -> dict[str, Any]:
    """The standby's replay lag, read on a connection to the primary.

    ``replay_lag_s`` is None when nothing was committed lately: PostgreSQL measures the
    lag on commits and clears it a while after the standby caught up with an idle primary.
    A standby that is not streaming (killed, restarting) is ``disconnected``.
    """
    row = primary.execute(_LAG, (CLUSTER_NAME,)).fetchone()
    if row is None:
        return {"state": "disconnected", "replay_lag_bytes": None, "replay_lag_s": None}
    state, lag_bytes, lag_s = row
    return {
        "state": str(state),
        "replay_lag_bytes": None if lag_bytes is None else int(lag_bytes),
        "replay_lag_s": None if lag_s is None else round(float(lag_s), 4),
    }
