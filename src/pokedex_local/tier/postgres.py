"""The throwaway PostgreSQL cluster: initdb, configuration, the server process, the database."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import psycopg
from psycopg import sql

from pokedex_local.tier.certs import Certificate
from pokedex_local.tier.endpoint import Endpoint
from pokedex_local.tier.errors import TierError
from pokedex_local.tier.postmaster import StartedElsewhere, running_postmaster
from pokedex_local.tier.processes import Child, run, spawn, wait_ready
from pokedex_local.tier.service_user import ServiceUser

OWNER = "postgres"
# PostgreSQL's default, written out because PgBouncer's pool size is derived from it.
SUPERUSER_RESERVED_CONNECTIONS = 3


def bindir() -> Path:
    """PostgreSQL's programs: $POKEDEX_PG_BINDIR, the PATH, or Debian's newest versioned dir."""
    if configured := os.environ.get("POKEDEX_PG_BINDIR"):
        return Path(configured)
    if initdb := shutil.which("initdb"):
        # Resolved: a link on the PATH (/usr/local/bin/initdb) leads to the installation's
        # directory, which has the other programs too (pg_basebackup).
        return Path(initdb).resolve().parent
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3])
    )
    if not versions:
        raise TierError("PostgreSQL's initdb was not found; install the postgresql package")
    return versions[-1].parent


def init_cluster(data_dir: Path, password: str, user: ServiceUser) -> None:
    data_dir.mkdir(mode=0o700)
    user.give(data_dir)
    pwfile = data_dir.parent / "owner.pw"
    pwfile.write_text(password)
    pwfile.chmod(0o600)
    user.give(pwfile)
    try:
        run(
            [
                str(bindir() / "initdb"),
                "-D",
                str(data_dir),
                "-U",
                OWNER,
                f"--pwfile={pwfile}",
                "--auth-host=scram-sha-256",
                "--auth-local=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                # Throwaway data: skipping the final fsync saves most of initdb's time.
                "--no-sync",
            ],
            "initdb",
            user=user,
        )
    finally:
        pwfile.unlink()


def configure(data_dir: Path, *, port: int, max_connections: int, cert: Certificate) -> None:
    settings = {
        "listen_addresses": "'127.0.0.1'",
        "port": str(port),
        # No Unix sockets: every client, PgBouncer included, uses TCP with a password, the way
        # the cloud does, and no socket path can exceed the 107-character limit.
        "unix_socket_directories": "''",
        "max_connections": str(max_connections),
        "superuser_reserved_connections": str(SUPERUSER_RESERVED_CONNECTIONS),
        "password_encryption": "'scram-sha-256'",
        "ssl": "on",
        "ssl_cert_file": _quote(cert.cert),
        "ssl_key_file": _quote(cert.key),
        # A throwaway cluster: surviving a power cut buys nothing, so nothing is forced to
        # disk (fsync, full-page writes). But a commit is written out of PostgreSQL's own
        # memory before it is acknowledged (synchronous_commit on, RDS's setting): the fault
        # lab kills PostgreSQL with SIGKILL, and an acknowledged commit (a password set,
        # a migration) must survive that, as it does on RDS. With fsync off it costs a
        # write() to the page cache per commit.
        "fsync": "off",
        "synchronous_commit": "on",
        "full_page_writes": "off",
    }
    with (data_dir / "postgresql.conf").open("a") as conf:
        conf.write("\n# Written by pokedex_local.tier\n")
        conf.writelines(f"{name} = {value}\n" for name, value in settings.items())


def start_server(
    data_dir: Path, log: Path, owner: Endpoint, user: ServiceUser, *, name: str = "postgres"
) -> Child:
    """The postmaster of ``data_dir`` (the primary, or the standby), ready for logins.

    Refused (StartedElsewhere) while a postmaster started outside the tier serves it: the
    port would answer for that one, and this one would exit on the lock file.
    """
    running = running_postmaster(data_dir)
    if running is not None:
        raise StartedElsewhere(data_dir, running)
    # The postmaster runs in the foreground so its pid is ours. SIGINT is its fast shutdown,
    # exactly what `pg_ctl stop -m fast` sends.
    child = spawn(
        name,
        [str(bindir() / "postgres"), "-D", str(data_dir)],
        log,
        user=user,
        stop_signal=signal.SIGINT,
    )
    wait_ready(child, lambda: _accepts_login(owner))
    return child


def create_database(owner: Endpoint, dbname: str) -> None:
    with psycopg.connect(owner.conninfo(), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
        if exists is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))


def _accepts_login(owner: Endpoint) -> bool:
    try:
        with psycopg.connect(owner.conninfo(sslmode="disable"), connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"
