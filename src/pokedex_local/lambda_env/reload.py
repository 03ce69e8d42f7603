"""Hot reload: watch the function's source and tell the pool when it changes.

Polling rather than inotify: a few dozen files, stat'ed four times a second, cost nothing
measurable and need no dependency or platform support. A change is a .py file whose
modification time or size differs, or one that appeared or went away.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path

POLL_S = 0.25

logger = logging.getLogger(__name__)

Snapshot = dict[str, tuple[int, int]]


def snapshot(roots: Sequence[Path]) -> Snapshot:
    found: Snapshot = {}
    for root in roots:
        for directory, subdirs, files in os.walk(root):
            subdirs[:] = [d for d in subdirs if d != "__pycache__" and not d.startswith(".")]
            for name in files:
                if name.endswith(".py"):
                    path = os.path.join(directory, name)
                    try:
                        stat = os.stat(path)
                    except OSError:
                        continue  # removed between the listing and the stat
                    found[path] = (stat.st_mtime_ns, stat.st_size)
    return found


def changed(before: Snapshot, after: Snapshot) -> list[str]:
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


def forget_bytecode(path: str) -> None:
    """Remove ``path``'s cached bytecode. CPython trusts a .pyc whose recorded source mtime
    (whole seconds) and size match: an edit within the same second that keeps the size
    would otherwise import the old code."""
    with contextlib.suppress(OSError, ValueError, NotImplementedError):
        os.unlink(importlib.util.cache_from_source(path))


async def watch(
    roots: Sequence[Path], on_change: Callable[[list[str]], None], before: Snapshot
) -> None:
    """Call ``on_change`` with the paths changed since ``before`` (taken by the caller
    before it says it is ready, so that no edit falls between), until cancelled."""
    while True:
        await asyncio.sleep(POLL_S)
        after = await asyncio.to_thread(snapshot, roots)
        paths = changed(before, after)
        if paths:
            on_change(paths)
        before = after
