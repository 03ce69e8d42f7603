"""The tier's home: where its servers keep their files, emptied for every start.

Normally the state directory itself. Run as root in a directory the service account
cannot reach (under /root, or pytest's /tmp/pytest-of-root), a private directory of an
unpredictable name in /tmp instead, recorded in ``<state-dir>/tier-home`` so that the next
start finds and replaces it, and removed at stop with the logs moved back.

Whatever an earlier run left running there is stopped first: the processes it recorded in
``pids.json`` (checked by command line against recycled pids), and any postmaster of its
data directories, also one restarted with pg_ctl that no record names.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from pokedex_local.tier.postmaster import stop_postmaster
from pokedex_local.tier.private_file import write_private
from pokedex_local.tier.processes import stop_leftover
from pokedex_local.tier.replica import DIRECTORIES as REPLICA_DIRECTORIES
from pokedex_local.tier.replica import STANDBY_DIR
from pokedex_local.tier.service_user import ServiceUser

PIDS_FILE = "pids.json"
# The PostgreSQL data directories a home may hold: the primary's, and the standby's.
DATA_DIRS = ("postgres", STANDBY_DIR)
_REPLACED = ("postgres", "pgbouncer", *REPLICA_DIRECTORIES, "tls", "logs", PIDS_FILE)
_RECORD = "tier-home"
_PREFIX = "pokedex-tier-"


def prepare(state_dir: Path, user: ServiceUser) -> tuple[Path, Path | None]:
    """(the home, the fallback directory in /tmp or None), empty but for a logs directory.

    The state directory holds the superuser's password (tier.json, stack.json) and the
    database: it is 0700, owned by the account the servers run as (root can enter any
    directory), and the files written here are 0600.
    """
    state_dir.mkdir(parents=True, exist_ok=True)
    private(state_dir, user)
    home, fallback = state_dir, None
    if not user.can_enter(home):
        home = fallback = _fallback_home(state_dir, user)
    stop_leftovers(home)
    for name in _REPLACED:
        path = home / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    (home / "logs").mkdir()
    user.give(home / "logs")
    return home, fallback


def stop_leftovers(home: Path) -> None:
    """Stop what a run that could not clean up (SIGKILL, a crash) left running in ``home``."""
    for record in _records(home):
        stop_leftover(record)
    stop_postmasters(home)


def stop_postmasters(home: Path) -> None:
    """Stop the postmaster of each data directory in ``home``, whichever pid it has now."""
    for name in DATA_DIRS:
        stop_postmaster(home / name)


def remove_fallback(state_dir: Path, fallback: Path) -> None:
    """Nothing left behind in /tmp; the logs kept, in the state directory."""
    kept = state_dir / "logs"
    shutil.rmtree(kept, ignore_errors=True)
    with contextlib.suppress(OSError):
        shutil.move(fallback / "logs", kept)
    shutil.rmtree(fallback, ignore_errors=True)
    (state_dir / _RECORD).unlink(missing_ok=True)


def record_children(home: Path, records: dict[str, dict[str, Any]]) -> None:
    (home / PIDS_FILE).write_text(json.dumps(records, indent=2))


def private(directory: Path, user: ServiceUser) -> None:
    """0700, and the service account's when the servers run as it."""
    directory.chmod(0o700)
    user.give_dir(directory)


def _fallback_home(state_dir: Path, user: ServiceUser) -> Path:
    record = state_dir / _RECORD
    with contextlib.suppress(OSError):
        previous = Path(record.read_text().strip())
        if previous.name.startswith(_PREFIX) and previous.is_dir():
            stop_leftovers(previous)
            shutil.rmtree(previous, ignore_errors=True)
    home = Path(tempfile.mkdtemp(prefix=_PREFIX))  # 0700, a random name
    private(home, user)
    write_private(record, f"{home}\n")
    return home


def _records(home: Path) -> list[dict[str, Any]]:
    try:
        records: dict[str, dict[str, Any]] = json.loads((home / PIDS_FILE).read_text())
    except (OSError, ValueError):
        return []
    # Clients first, as the tier stops them: PgBouncer before the PostgreSQL it holds
    # connections to.
    return list(reversed(records.values()))
