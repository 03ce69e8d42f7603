"""The read replica of a LocalTier started with ``reads="replica"``: a hot standby of the
primary (standby.py) and a PgBouncer of its own in front of it, the read-only endpoint (the
stand-in for Aurora's reader endpoint behind RDS Proxy). Both are the tier's children,
watched by its supervisor like the others.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pokedex_local.tier import pgbouncer, postgres, standby
from pokedex_local.tier.certs import Certificate
from pokedex_local.tier.endpoint import Endpoint
from pokedex_local.tier.ports import free_port
from pokedex_local.tier.processes import Child
from pokedex_local.tier.service_user import ServiceUser

# Under the tier's home, beside "postgres" and "pgbouncer": the standby's data directory
# (home.DATA_DIRS names it too, to stop a postmaster left in it) and its PgBouncer's.
STANDBY_DIR = "standby"
DIRECTORIES = (STANDBY_DIR, "pgbouncer-reader")
# The standby's server log, in the tier's logs directory.
STANDBY_LOG = "standby.log"


@dataclass
class Replica:
    standby: Endpoint  # the hot standby itself, as the owner
    reader: Endpoint  # its PgBouncer: the read-only endpoint, as the owner
    home: Path | None = None  # the tier's home, once started
    ready_s: float | None = None  # how long creating the standby took

    @classmethod
    def on_free_ports(cls, host: str, dbname: str, owner: str, password: str) -> Replica:
        return cls(
            Endpoint(host, free_port(), dbname, owner, password),
            Endpoint(host, free_port(), dbname, owner, password),
        )

    def start(
        self,
        home: Path,
        *,
        primary: Endpoint,
        replication_password: str,
        cert: Certificate,
        pool: int,
        user: ServiceUser,
        adopt: Callable[[Child], None],
    ) -> None:
        """After the primary's migrations, so that the standby starts with the data the
        API reads; ``primary`` is the owner's endpoint, ``adopt`` records each child."""
        self.home = home
        started = time.monotonic()
        standby.create_replication_role(primary, replication_password)
        streams = dataclasses.replace(
            primary, user=standby.REPLICATION_USER, password=replication_password
        )
        standby.base_backup(streams, home / STANDBY_DIR, user)
        standby.configure(home / STANDBY_DIR, port=self.standby.port)
        adopt(self._start_standby(user))
        standby.wait_caught_up(primary, self._standby_admin())
        self.ready_s = round(time.monotonic() - started, 2)
        pgbouncer.write_config(
            home / "pgbouncer-reader",
            port=self.reader.port,
            pg_port=self.standby.port,
            pool=pool,  # the standby has the primary's max_connections
            cert=cert,
            owner_password=self.reader.password,
            user=user,
        )
        adopt(self._start_reader(user))

    def starters(self, user: ServiceUser) -> dict[str, Callable[[], Child]]:
        """For the supervisor. A standby started again recovers from its own files and
        resumes streaming from the slot, which kept the WAL it missed."""
        return {
            "standby": lambda: self._start_standby(user),
            "pgbouncer_reader": lambda: self._start_reader(user),
        }

    def function_env(self, via: str) -> dict[str, str]:
        """The function's read endpoint: the reader PgBouncer, or the standby (direct)."""
        target = self.reader if via == "proxy" else self.standby
        return {"DB_READ_ENDPOINT": target.host, "DB_READ_PORT": str(target.port)}

    def describe(self) -> dict[str, Any]:
        return {
            "standby": vars(self.standby).copy(),
            "pgbouncer_reader": vars(self.reader).copy(),
            "replication_slot": standby.SLOT,
            "standby_name": standby.CLUSTER_NAME,
            "standby_ready_s": self.ready_s,
        }

    def _standby_admin(self) -> Endpoint:
        return dataclasses.replace(self.standby, dbname="postgres")

    def _start_standby(self, user: ServiceUser) -> Child:
        home = self._home()
        log = home / "logs" / STANDBY_LOG
        admin = self._standby_admin()
        return postgres.start_server(home / STANDBY_DIR, log, admin, user, name="standby")

    def _start_reader(self, user: ServiceUser) -> Child:
        home = self._home()
        config, log = (
            home / "pgbouncer-reader" / "pgbouncer.ini",
            home / "logs" / "pgbouncer-reader.log",
        )
        return pgbouncer.start_bouncer(config, log, self.reader.port, user, name="pgbouncer_reader")

    def _home(self) -> Path:
        assert self.home is not None, "start() the replica first"
        return self.home
