"""Ask the kernel to signal this process when its parent goes (PR_SET_PDEATHSIG, Linux).

Used wherever a process must not outlive the one that started it: the stack when `make`
or `uv run` is killed outright, the tier's servers when their launcher dies, the fork
server and its environments when the gateway dies. Imports only the standard library:
the fork server imports it, and whatever it imports is shared by every environment.

"Parent" is, strictly, the thread that forked us: a child started from a short-lived
thread gets the signal when that thread ends.
"""

from __future__ import annotations

import ctypes
import os
import signal

_PR_SET_PDEATHSIG = 1
# Loaded once, at import: after a fork in a threaded process (a preexec_fn) loading a
# library is not safe, calling one already loaded is.
_LIBC = ctypes.CDLL(None, use_errno=True)


def signal_on_parent_death(sig: signal.Signals) -> None:
    """From now on, receive ``sig`` when the parent exits."""
    if _LIBC.prctl(_PR_SET_PDEATHSIG, int(sig)) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"prctl(PR_SET_PDEATHSIG, {sig.name}): {os.strerror(errno)}")
