"""The database side of the live view: PostgreSQL's backends by role and PgBouncer's pool;
with a replica (`make run READS=replica`), its replay lag and the standby's backends.

Polled once a second by a thread of its own, and only while someone is looking (a request
for the stats within the last few seconds): an unwatched stack pays nothing for it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

import psycopg

from pokedex.db import first_line
from pokedex.function_spec import API_FUNCTION
from pokedex_local.tier.pgbouncer import pool_totals
from pokedex_local.tier.standby import replication_lag

BACKENDS = (
    "SELECT coalesce(usename, '(none)'), coalesce(state, '(none)'), count(*)"
    " FROM pg_stat_activity WHERE backend_type = 'client backend' GROUP BY 1, 2"
)
IDLE_AFTER_S = 5.0
_POOL_KEYS = ("cl_active", "cl_waiting", "sv_active", "sv_idle", "sv_used")


class DatabaseWatch:
    def __init__(
        self,
        postgres: dict[str, Any],
        pgbouncer: dict[str, Any] | None,
        standby: dict[str, Any] | None = None,
    ) -> None:
        self._postgres = postgres
        self._pgbouncer = pgbouncer
        self._standby = standby
        self._latest: dict[str, Any] = {}
        self._wanted = 0.0
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def latest(self) -> dict[str, Any]:
        """The last sample; asking keeps the sampling going for a few seconds."""
        with self._lock:
            self._wanted = time.monotonic()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="live-db", daemon=True)
                self._thread.start()
            return self._latest

    def _run(self) -> None:
        postgres = bouncer = None
        standby: psycopg.Connection[Any] | None = None
        try:
            while time.monotonic() - self._wanted < IDLE_AFTER_S:
                try:
                    postgres = postgres or _connect(self._postgres)
                    if self._pgbouncer:
                        bouncer = bouncer or _connect(self._pgbouncer, "pgbouncer")
                    sample = _sample(postgres, bouncer, self._postgres["dbname"])
                except psycopg.Error as exc:  # a restart, a full server: show it, go on
                    sample = {"error": first_line(exc)[:200]}
                    for conn in (postgres, bouncer):
                        if conn is not None:
                            conn.close()
                    postgres = bouncer = None
                if self._standby and postgres is not None:
                    standby, sample["replica"] = _sample_replica(postgres, standby, self._standby)
                with self._lock:
                    self._latest = {"time": time.time(), **sample}
                time.sleep(1.0)
        finally:
            for conn in (postgres, bouncer, standby):
                if conn is not None:
                    with contextlib.suppress(psycopg.Error):
                        conn.close()
            with self._lock:
                self._thread = None


def _connect(endpoint: dict[str, Any], dbname: str | None = None) -> psycopg.Connection[Any]:
    # The admin console speaks only the simple protocol: never prepare.
    return psycopg.connect(
        host=endpoint["host"], port=endpoint["port"], dbname=dbname or endpoint["dbname"],
        user=endpoint["user"], password=endpoint["password"], sslmode="require",
        connect_timeout=2, autocommit=True, prepare_threshold=None,
    )  # fmt: skip


def _sample_replica(
    primary: psycopg.Connection[Any],
    standby: psycopg.Connection[Any] | None,
    endpoint: dict[str, Any],
) -> tuple[psycopg.Connection[Any] | None, dict[str, Any]]:
    """The replica's lag (from the primary) and its backends by role; a standby that is
    down is shown as such, and its connection opened again on the next sample."""
    try:
        replica = replication_lag(primary)
    except psycopg.Error as exc:
        return standby, {"error": first_line(exc)[:200]}
    try:
        standby = standby or _connect(endpoint)
        replica["backends"] = _roles(standby)
    except psycopg.Error as exc:
        if standby is not None:
            standby.close()
        return None, {**replica, "error": first_line(exc)[:200]}
    return standby, replica


def _roles(conn: psycopg.Connection[Any]) -> dict[str, dict[str, int]]:
    roles: dict[str, dict[str, int]] = {}
    for role, state, count in conn.execute(BACKENDS).fetchall():
        roles.setdefault(role, {})[state] = int(count)
    return roles


def _sample(
    postgres: psycopg.Connection[Any], bouncer: psycopg.Connection[Any] | None, database: str
) -> dict[str, Any]:
    roles = _roles(postgres)
    pool = None
    if bouncer is not None:
        pool = pool_totals(bouncer, database, _POOL_KEYS)
    # The page tells the application's backends from the rest by this name.
    return {"backends": roles, "pgbouncer": pool, "app_role": API_FUNCTION.database_role}
