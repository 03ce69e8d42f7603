"""LocalTier: PostgreSQL behind PgBouncer, with a Secrets Manager endpoint, on one machine.

With ``reads="replica"`` also a hot standby of that PostgreSQL behind a PgBouncer of its own:
the read-only endpoint (replica.py).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg

from pokedex import pooling
from pokedex.function_spec import API_FUNCTION
from pokedex_local.tier import certs, description, home, pgbouncer, postgres, secrets_server
from pokedex_local.tier.endpoint import Endpoint
from pokedex_local.tier.ports import free_port, wait_until_closed
from pokedex_local.tier.private_file import write_private
from pokedex_local.tier.processes import Child
from pokedex_local.tier.replica import Replica
from pokedex_local.tier.service_user import ServiceUser, service_user
from pokedex_local.tier.state_lock import StateLock, lock_state_dir
from pokedex_local.tier.supervisor import Supervisor

APP_USER = API_FUNCTION.database_role  # created by migrations/0003_app_role.sql
HOST = "127.0.0.1"
READS = ("writer", "replica")  # where the function's reads go: the writer, or a replica


class LocalTier:
    owner_secret_name = "pokedex/local/owner"
    app_secret_name = "pokedex/local/app"
    app_user = APP_USER

    def __init__(
        self,
        state_dir: Path,
        *,
        max_connections: int = 100,
        max_connections_percent: int = pooling.MAX_CONNECTIONS_PERCENT,
        dbname: str = "pokedex",
        migrate: bool = True,
        supervise: bool = True,
        pg_port: int = 0,
        bouncer_port: int = 0,
        secrets_port: int = 0,
        reads: str = "writer",
        lock: StateLock | None = None,
    ) -> None:
        if reads not in READS:
            raise ValueError(f"reads must be one of {', '.join(READS)}, not {reads!r}")
        self.reads = reads
        self.state_dir = Path(state_dir).absolute()
        self.max_connections = max_connections
        self.max_connections_percent = max_connections_percent
        self.pool_size = pgbouncer.pool_size(max_connections, max_connections_percent)
        self.dbname = dbname
        self.migrate = migrate
        self.supervise = supervise
        self.supervisor: Supervisor | None = None
        self._wanted_ports = (pg_port, bouncer_port, secrets_port)
        self._children: dict[str, Child] = {}
        self._atexit_registered = False
        self._user: ServiceUser | None = None
        self._home = self.state_dir
        self._fallback: Path | None = None  # a private directory in /tmp, when used
        # The state directory's lock: the caller's (`make run` takes it before anything
        # else), or taken by start() and released by stop().
        self._lock = lock
        self._owns_lock = lock is None
        self._new_credentials()
        self._assign_ports()

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> LocalTier:
        """Start from empty state (StateBusy first if another stack holds the directory)."""
        self.stop()
        if self._owns_lock:
            self._lock = lock_state_dir(self.state_dir)
        self._new_credentials()
        self._assign_ports()
        self._user = user = service_user()
        if not self._atexit_registered:
            atexit.register(self.stop)  # a safety net for a launcher that forgets to stop
            self._atexit_registered = True
        try:
            self._home, self._fallback = home.prepare(self.state_dir, user)
            self._start_children(user)
        except BaseException:
            self.stop()
            raise
        self._write_description()
        if self.supervise:
            self.supervisor = Supervisor(self._children, self._starters(user), self._readopt)
            self.supervisor.start()
        return self

    def stop(self) -> None:
        """Stop every child, newest first: clients before the server they talk to."""
        if self.supervisor is not None:
            self.supervisor.stop()  # first, or it would start again what is being stopped
        for name in reversed(list(self._children)):
            self._children.pop(name).stop()
        if self._lock is None or not self._lock.held:
            return  # never started: the directory may be another stack's, leave it be
        # A postmaster restarted behind the tier's back (pg_ctl restart) is none of its
        # children: found by its data directory.
        home.stop_postmasters(self._home)
        if self._fallback is not None:
            home.remove_fallback(self.state_dir, self._fallback)
            self._fallback = None
        if self._owns_lock:
            self._lock.release()

    @property
    def logs_dir_after_stop(self) -> Path:
        """Where the logs are once the tier has stopped: with them (in the state directory),
        also when they were kept in a private directory in /tmp while it ran."""
        return self.state_dir / "logs"

    def __enter__(self) -> LocalTier:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def restart_pgbouncer(self) -> None:
        """Stop and start PgBouncer on the same port; every client connection breaks."""
        assert self._user is not None, "start() the tier first"
        lock = self.supervisor.lock if self.supervisor else contextlib.nullcontext()
        with lock:
            self._children.pop("pgbouncer").stop()
            wait_until_closed(self.pgbouncer.port)
            self._start_bouncer(self._user)
        self._write_description()

    # -- what clients use -----------------------------------------------------------------

    @property
    def pids(self) -> dict[str, int]:
        return {name: child.pid for name, child in self._children.items()}

    @property
    def data_dir(self) -> Path:
        return self._home / "postgres"

    @property
    def pgbouncer_config(self) -> Path:
        return self._home / "pgbouncer" / "pgbouncer.ini"

    @property
    def secrets_endpoint(self) -> str:
        return f"http://{HOST}:{self._secrets_port}"

    @property
    def home_dir(self) -> Path:
        """Where the servers keep their files: the state directory, or its fallback."""
        return self._home

    def function_env(self, via: str = "proxy") -> dict[str, str]:
        """The environment the Lambda function gets, pointed at PgBouncer or at PostgreSQL."""
        return description.function_env(self, via)

    def describe(self) -> dict[str, Any]:
        return description.describe(self)

    # -- start-up steps ---------------------------------------------------------------------

    def _new_credentials(self) -> None:
        # Fresh passwords on every start: the state is replaced, never reused.
        self._owner_password = secrets.token_urlsafe(24)
        self.app_password = secrets.token_urlsafe(24)
        self.aws_credentials = secrets_server.new_credentials()
        self._replication_password = secrets.token_urlsafe(24)

    def _assign_ports(self) -> None:
        pg_port, bouncer_port, secrets_port = self._wanted_ports
        self.postgres = Endpoint(
            HOST, pg_port or free_port(), self.dbname, postgres.OWNER, self._owner_password
        )
        self.pgbouncer = Endpoint(
            HOST, bouncer_port or free_port(), self.dbname, postgres.OWNER, self._owner_password
        )
        self._secrets_port = secrets_port or free_port()
        self.replica = (
            Replica.on_free_ports(HOST, self.dbname, postgres.OWNER, self._owner_password)
            if self.reads == "replica"
            else None
        )

    def _start_children(self, user: ServiceUser) -> None:
        logs = self._home / "logs"
        secrets_child = secrets_server.launch(
            self._secrets_port, logs / "secrets.log", user, self.aws_credentials
        )
        self._adopt(secrets_child)
        # boto3's import takes about a second: store the secrets on a worker thread while
        # initdb runs, and join it at the end.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tier-secrets") as pool:
            stored = pool.submit(self._store_secrets, secrets_child)
            try:
                self._start_database(user, logs)
            finally:
                stored.result()

    def _start_database(self, user: ServiceUser, logs: Path) -> None:
        self._cert = cert = certs.make_certificate(self._home / "tls", user)
        postgres.init_cluster(self.data_dir, self._owner_password, user)
        postgres.configure(
            self.data_dir, port=self.postgres.port, max_connections=self.max_connections, cert=cert
        )
        admin = Endpoint(HOST, self.postgres.port, "postgres", postgres.OWNER, self._owner_password)
        self._adopt(postgres.start_server(self.data_dir, logs / "postgres.log", admin, user))
        postgres.create_database(admin, self.dbname)
        if self.migrate:
            from pokedex.migrate import migrate  # imported by the tiers that migrate only

            with psycopg.connect(self.postgres.conninfo(), autocommit=True) as conn:
                migrate(conn, app_password=self.app_password)
        if self.replica is not None:
            self.replica.start(
                self._home,
                primary=admin,
                replication_password=self._replication_password,
                cert=cert,
                pool=self.pool_size,
                user=user,
                adopt=self._adopt,
            )
        self._start_bouncer(user)

    def _store_secrets(self, child: Child) -> None:
        secrets_server.wait(child, self.secrets_endpoint)
        app = Endpoint(HOST, self.postgres.port, self.dbname, self.app_user, self.app_password)
        stored = {self.owner_secret_name: self.postgres, self.app_secret_name: app}
        secrets_server.put_secrets(self.secrets_endpoint, stored, self.aws_credentials)

    def _start_bouncer(self, user: ServiceUser) -> None:
        config = pgbouncer.write_config(
            self._home / "pgbouncer",
            port=self.pgbouncer.port,
            pg_port=self.postgres.port,
            pool=self.pool_size,
            cert=self._cert,
            owner_password=self._owner_password,
            user=user,
        )
        log = self._home / "logs" / "pgbouncer.log"
        self._adopt(pgbouncer.start_bouncer(config, log, self.pgbouncer.port, user))

    # -- supervision ----------------------------------------------------------------------

    def _starters(self, user: ServiceUser) -> dict[str, Callable[[], Child]]:
        """How to start each child again on its port with its files (the state is kept)."""
        logs = self._home / "logs"
        admin = Endpoint(HOST, self.postgres.port, "postgres", postgres.OWNER, self._owner_password)

        def start_secrets() -> Child:
            child = secrets_server.launch(
                self._secrets_port, logs / "secrets.log", user, self.aws_credentials
            )
            try:
                self._store_secrets(child)  # kept in memory only: store them again
            except BaseException:
                child.stop()
                raise
            return child

        starters = {
            "secrets": start_secrets,
            "postgres": lambda: postgres.start_server(
                self.data_dir, logs / "postgres.log", admin, user
            ),
            "pgbouncer": lambda: pgbouncer.start_bouncer(
                self.pgbouncer_config, logs / "pgbouncer.log", self.pgbouncer.port, user
            ),
        }
        if self.replica is not None:
            starters.update(self.replica.starters(user))
        return starters

    def _readopt(self, child: Child) -> None:
        self._adopt(child)
        self._write_description()

    def _adopt(self, child: Child) -> None:
        self._children[child.name] = child
        home.record_children(self._home, {name: c.record() for name, c in self._children.items()})

    def _write_description(self) -> None:
        with contextlib.suppress(OSError):
            write_private(self.state_dir / "tier.json", json.dumps(self.describe(), indent=2))
