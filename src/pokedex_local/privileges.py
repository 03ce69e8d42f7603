"""`make run` as root: hand the stack to the unprivileged service account, then run as it.

Nothing the stack runs needs root: the gateway listens on unprivileged ports, the database
processes already run as the tier's service account (tier/service_user.py). So a stack
started as root (CI, a container, `sudo make run`) gives its state directory to that
account and executes itself again as it: the gateway, the fork server and every execution
environment then run without root, like the database tier and the Secrets Manager endpoint.

The account must be able to run this Python. A Python installed under root's home (pyenv,
uv's managed interpreters) is out of its reach; the system's Python of the same version is
used then, with this environment's packages and the project's sources on PYTHONPATH. When
no interpreter or directory it needs is reachable, the stack stays root and says why.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from collections.abc import Sequence
from pathlib import Path

import pokedex
import pokedex_local
from pokedex_local.tier.service_user import ServiceUser, service_user

# Set in the re-executed process: it must not try again (and it is not root anyway).
DROPPED = "POKEDEX_DROPPED_ROOT"
# Set by a user who wants the old behaviour (everything as root), e.g. to debug.
KEEP_ROOT = "POKEDEX_KEEP_ROOT"
SYSTEM_PYTHON = Path("/usr/bin/python3")


def keeps_root() -> bool:
    """Whether the user asked the stack to stay root (POKEDEX_KEEP_ROOT=1)."""
    return os.environ.get(KEEP_ROOT) == "1"


def run_as_service_account(module: str, argv: Sequence[str], state_dir: Path) -> None:
    """If root: give ``state_dir`` to the service account and exec ``python -m module argv``
    as it (never returns). Otherwise, or when that cannot work, return and carry on."""
    if os.geteuid() != 0 or os.environ.get(DROPPED) or keeps_root():
        return
    user = service_user()
    if not user.switches:
        return
    problem, python = interpreter(user)
    paths = _python_path()
    state_dir.mkdir(parents=True, exist_ok=True)
    unreachable = [p for p in (state_dir, Path.cwd(), *paths) if not user.can_enter(p)]
    if problem or unreachable:
        reason = problem or f"it cannot reach {unreachable[0]}"
        print(f"running as root: the service account {user.name} cannot run the stack: {reason}",
              file=sys.stderr)  # fmt: skip
        return
    user.give(state_dir)  # what a previous root run left there too
    state_dir.chmod(0o700)
    env = {
        **os.environ,
        DROPPED: "1",
        "PYTHONPATH": os.pathsep.join(str(p) for p in paths),
        "PYTHONDONTWRITEBYTECODE": "1",  # the source tree's caches belong to root
        "HOME": str(state_dir),
        "USER": user.name,
        "LOGNAME": user.name,
    }
    print(f"running as {user.name} (uid {user.uid}), not root", file=sys.stderr, flush=True)
    os.setgroups([])
    os.setgid(user.gid)
    os.setuid(user.uid)
    os.execve(python, [python, "-m", module, *argv], env)


def source_dirs() -> list[Path]:
    """Where the project's two packages are imported from: src/ in a checkout, the
    environment's site-packages in an install."""
    found = [Path(pokedex.__file__).parents[1], Path(pokedex_local.__file__).parents[1]]
    return list(dict.fromkeys(p.resolve() for p in found))


def _python_path() -> list[Path]:
    """This environment's packages and the project's sources (an editable install's .pth
    file is not read from PYTHONPATH, so the sources are named explicitly)."""
    site = [Path(sysconfig.get_path("purelib")), Path(sysconfig.get_path("platlib"))]
    return list(dict.fromkeys([*source_dirs(), *(p.resolve() for p in site)]))


def interpreter(user: ServiceUser) -> tuple[str | None, str]:
    """(a problem, or None; the interpreter the account can run, of this Python's version)."""
    own = Path(sys.executable).resolve()  # a venv's python is a symlink to the real one
    if user.can_enter(own.parent):
        return None, sys.executable
    if not SYSTEM_PYTHON.exists():
        return f"{own} is out of its reach and there is no {SYSTEM_PYTHON}", sys.executable
    version = subprocess.run(
        [str(SYSTEM_PYTHON), "-c", "import sys; print(*sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=False,
        **user.popen_kwargs(),
    ).stdout.split()
    if version != [str(n) for n in sys.version_info[:2]]:
        return (
            f"{own} is out of its reach and {SYSTEM_PYTHON} is not Python "
            f"{sys.version_info[0]}.{sys.version_info[1]}",
            sys.executable,
        )
    return None, str(SYSTEM_PYTHON)
