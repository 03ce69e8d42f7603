"""A state directory belongs to one running stack: a lock held for the stack's lifetime.

Starting the tier replaces what its state directory holds (it stops the processes an
earlier run left there and deletes the database). That is right after a crash and ruinous
while another stack still serves from the directory, so a start first takes an exclusive
flock on ``<state-dir>/stack.lock`` and keeps it until it stops. The kernel releases it
when the holder dies, SIGKILL included, so a crashed stack never blocks the next one.

The holder writes its pid in the file (advisory locks do not forbid reading it), so a
refused start can say who is in the way. The descriptor is close-on-exec: the tier's
servers and the fork server never inherit it. `make run` as root hands it across its
re-exec as the service account on purpose (across_exec), so the directory is never
unlocked in between.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pokedex_local.tier.errors import TierError

LOCK_FILE = "stack.lock"
# Set for the re-executed `make run`: "<fd>:<lock file>" of the lock it already holds.
INHERITED = "POKEDEX_STATE_LOCK_FD"


class StateBusy(TierError):
    """Another process holds the state directory's lock."""

    def __init__(self, lock_file: Path, holder: int | None) -> None:
        self.lock_file = lock_file
        self.holder = holder
        who = f"pid {holder}" if holder else "another process"
        super().__init__(f"{lock_file.parent} is in use by {who} (it holds {lock_file})")


@dataclass
class StateLock:
    path: Path
    fd: int | None

    @property
    def held(self) -> bool:
        return self.fd is not None

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the last descriptor releases the flock
            self.fd = None

    def withdraw(self, made_the_directory: bool) -> None:
        """Release, and take back the lock file (and the directory, if this start made it
        and it is still empty): a start refused after locking leaves nothing behind."""
        self.release()
        self.path.unlink(missing_ok=True)
        if made_the_directory:
            with contextlib.suppress(OSError):
                self.path.parent.rmdir()

    @contextlib.contextmanager
    def across_exec(self) -> Iterator[None]:
        """Within: an exec of this process (the same pid) carries the lock on."""
        assert self.fd is not None, "the lock was released"
        os.set_inheritable(self.fd, True)
        os.environ[INHERITED] = f"{self.fd}:{self.path}"
        try:
            yield
        finally:  # no exec: nothing this process starts later inherits it
            os.environ.pop(INHERITED, None)
            if self.fd is not None:
                os.set_inheritable(self.fd, False)


def lock_state_dir(state_dir: Path) -> StateLock:
    """The lock on ``state_dir`` (created if missing), or StateBusy naming its holder."""
    path = Path(state_dir).absolute() / LOCK_FILE
    inherited = _inherited(path)
    if inherited is not None:
        return inherited
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise TierError(f"cannot open the state directory's lock {path}: {exc}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise StateBusy(path, holder(path)) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return StateLock(path, fd)


def holder(lock_file: Path) -> int | None:
    """The pid written by the process holding ``lock_file``, if it can be read."""
    with contextlib.suppress(OSError, ValueError):
        return int(lock_file.read_text().strip())
    return None


def _inherited(path: Path) -> StateLock | None:
    """The lock this process held before it exec'd itself, if it is the one for ``path``."""
    value = os.environ.pop(INHERITED, "")
    fd_text, _, named = value.partition(":")
    if not fd_text.isdigit() or Path(named) != path:
        return None
    fd = int(fd_text)
    try:
        same = os.path.samestat(os.fstat(fd), path.stat())
    except OSError:
        return None
    if not same:
        return None
    os.set_inheritable(fd, False)
    return StateLock(path, fd)
