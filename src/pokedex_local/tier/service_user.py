"""The operating-system account the database processes run as.

initdb, postgres and pgbouncer all refuse to run as root, and CI runs as root. As root the
tier therefore runs them as an unprivileged system account, ``pokedex`` (created on first
use; ``nobody`` if it cannot be), and hands it the files they need. As anyone else they run
as the current user and nothing changes hands.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ACCOUNT = "pokedex"


@dataclass(frozen=True)
class ServiceUser:
    name: str
    uid: int
    gid: int

    @property
    def switches(self) -> bool:
        """Whether children run as another account than this process."""
        return self.uid != os.geteuid()

    def popen_kwargs(self) -> dict[str, Any]:
        # extra_groups=[] drops root's supplementary groups along with its uid.
        if not self.switches:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}

    def give(self, path: Path) -> None:
        """Hand ``path`` (and, for a directory, everything under it) to the account."""
        if not self.switches:
            return
        os.chown(path, self.uid, self.gid)
        if path.is_dir() and not path.is_symlink():
            for root, dirs, files in os.walk(path):
                for name in dirs + files:
                    os.chown(os.path.join(root, name), self.uid, self.gid, follow_symlinks=False)

    def give_dir(self, directory: Path) -> None:
        """Hand ``directory`` itself (not what it holds) to the account."""
        if self.switches and not directory.is_symlink():
            os.chown(directory, self.uid, self.gid)

    def can_enter(self, directory: Path) -> bool:
        """Whether the account can reach ``directory`` (every parent must be searchable)."""
        if not self.switches:
            return True
        test = shutil.which("test") or "/usr/bin/test"
        probe = subprocess.run([test, "-x", str(directory)], check=False, **self.popen_kwargs())
        return probe.returncode == 0


def service_user() -> ServiceUser:
    if os.geteuid() != 0:
        entry = pwd.getpwuid(os.geteuid())
        return ServiceUser(entry.pw_name, entry.pw_uid, os.getegid())
    entry = _existing(ACCOUNT) or _create(ACCOUNT) or pwd.getpwnam("nobody")
    return ServiceUser(entry.pw_name, entry.pw_uid, entry.pw_gid)


def _existing(name: str) -> pwd.struct_passwd | None:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


def _create(name: str) -> pwd.struct_passwd | None:
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    created = subprocess.run(
        [
            useradd,
            "--system",
            "--user-group",
            "--no-create-home",
            "--shell",
            "/usr/sbin/nologin",
            "--comment",
            "Proxied Pokedex local database tier",
            name,
        ],
        check=False,
        capture_output=True,
    )
    return _existing(name) if created.returncode == 0 else None
