"""Samples the database tier and the environments while a step runs.

A background thread polls, every ``interval_s``: PostgreSQL's client backends (all, and
those of the API's role), PgBouncer's pools (SHOW POOLS), and the local runtime's
environment summary. With a replica (READS=replica) also the standby's backends of the
API's role, the replay lag, and the pokemon table's scans on each server: the reads each
one served. The connections are opened once, before the load starts: when
PostgreSQL is full, the owner still gets in through the superuser-reserved slots.
"""

from __future__ import annotations

import contextlib
import json
import threading
import urllib.request
from dataclasses import dataclass, field
from typing import Any

import psycopg

from pokedex_local.tier.pgbouncer import pool_totals
from pokedex_local.tier.standby import replication_lag

# All client backends, the API role's (open), and those of them running a statement (busy):
# open against busy is what a pooling proxy changes.
BACKENDS = (
    "SELECT count(*), count(*) FILTER (WHERE usename = %(role)s),"
    " count(*) FILTER (WHERE usename = %(role)s AND state = 'active')"
    " FROM pg_stat_activity WHERE backend_type = 'client backend'"
)
# Each server counts its own scans (a standby's statistics are not replicated): how many
# reads of the Pokédex each one served, give or take the second a backend may hold them.
SCANS = (
    "SELECT coalesce(sum(coalesce(seq_scan, 0) + coalesce(idx_scan, 0)), 0)"
    " FROM pg_stat_user_tables WHERE relname = 'pokemon'"
)


@dataclass
class Window:
    """What was seen between two calls of ``Sampler.take``."""

    samples: int = 0
    max_backends: int = 0
    max_api_backends: int = 0
    max_api_busy: int = 0
    max_cl_active: int = 0
    max_cl_waiting: int = 0
    max_sv_active: int = 0
    max_environments: int = 0
    max_standby_api_backends: int = 0
    max_standby_api_busy: int = 0
    max_replay_lag_bytes: int = 0
    series: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Sampler:
    def __init__(
        self,
        postgres_conninfo: str,
        api_user: str,
        *,
        pgbouncer_admin_conninfo: str | None = None,
        pool_database: str = "pokedex",
        environments_url: str | None = None,
        interval_s: float = 0.5,
        standby_conninfo: str | None = None,
    ) -> None:
        self._pg = psycopg.connect(postgres_conninfo, autocommit=True)
        self._standby = (
            psycopg.connect(standby_conninfo, autocommit=True) if standby_conninfo else None
        )
        # The admin console speaks only the simple query protocol. psycopg uses it for a
        # query without parameters, until it decides to prepare a statement it has run five
        # times: prepare_threshold=None stops that.
        self._bouncer = (
            psycopg.connect(pgbouncer_admin_conninfo, autocommit=True, prepare_threshold=None)
            if pgbouncer_admin_conninfo
            else None
        )
        self._api_user = api_user
        self._pool_database = pool_database
        self._environments_url = environments_url
        self._interval_s = interval_s
        self._window = Window()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sampler", daemon=True)
        self.environments: dict[str, Any] = {}

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self._pg.close()
        if self._standby is not None:
            self._standby.close()
        if self._bouncer is not None:
            self._bouncer.close()

    def take(self) -> Window:
        """The window since the previous call, and start a new one."""
        with self._lock:
            window, self._window = self._window, Window()
        return window

    def environment_summary(self) -> dict[str, Any]:
        if self._environments_url is None:
            return {}
        with (
            contextlib.suppress(OSError, ValueError),
            urllib.request.urlopen(self._environments_url, timeout=2) as response,
        ):
            data: dict[str, Any] = json.loads(response.read())
            return data
        return {}

    def _loop(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                sample = self._sample()
            except Exception as exc:  # a lost sample must not end the sampling
                with self._lock:
                    self._window.errors.append(f"{type(exc).__name__}: {exc}"[:300])
                continue
            with self._lock:
                w = self._window
                w.samples += 1
                w.max_backends = max(w.max_backends, sample["backends"])
                w.max_api_backends = max(w.max_api_backends, sample["api_backends"])
                w.max_api_busy = max(w.max_api_busy, sample["api_busy"])
                w.max_cl_active = max(w.max_cl_active, sample["cl_active"])
                w.max_cl_waiting = max(w.max_cl_waiting, sample["cl_waiting"])
                w.max_sv_active = max(w.max_sv_active, sample["sv_active"])
                w.max_environments = max(w.max_environments, sample["environments"])
                if "standby_api_backends" in sample:
                    w.max_standby_api_backends = max(
                        w.max_standby_api_backends, sample["standby_api_backends"]
                    )
                    w.max_standby_api_busy = max(w.max_standby_api_busy, sample["standby_api_busy"])
                    w.max_replay_lag_bytes = max(
                        w.max_replay_lag_bytes, sample["replay_lag_bytes"] or 0
                    )
                w.series.append(sample)

    def _sample(self) -> dict[str, Any]:
        row = self._pg.execute(BACKENDS, {"role": self._api_user}).fetchone()
        backends, api_backends, api_busy = row if row else (0, 0, 0)
        keys = ("cl_active", "cl_waiting", "sv_active")
        pools = dict.fromkeys(keys, 0)
        if self._bouncer is not None:
            pools = pool_totals(self._bouncer, self._pool_database, keys)
        envs = self.environment_summary()
        self.environments = envs or self.environments
        return {
            "backends": int(backends),
            "api_backends": int(api_backends),
            "api_busy": int(api_busy),
            **pools,
            "environments": int(envs.get("alive", 0) or 0),
            **(self._sample_standby() if self._standby is not None else {}),
        }

    def _sample_standby(self) -> dict[str, Any]:
        assert self._standby is not None
        row = self._standby.execute(BACKENDS, {"role": self._api_user}).fetchone()
        _, api_backends, api_busy = row if row else (0, 0, 0)
        lag = replication_lag(self._pg)
        writer_scans = self._pg.execute(SCANS).fetchone()
        standby_scans = self._standby.execute(SCANS).fetchone()
        return {
            "standby_api_backends": int(api_backends),
            "standby_api_busy": int(api_busy),
            "replay_lag_bytes": lag["replay_lag_bytes"],
            "replay_lag_s": lag["replay_lag_s"],
            "writer_scans": int(writer_scans[0]) if writer_scans else 0,
            "standby_scans": int(standby_scans[0]) if standby_scans else 0,
        }
