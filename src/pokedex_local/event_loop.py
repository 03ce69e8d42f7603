"""The one way this project runs an asyncio program: on uvloop when it imports.

The gateway's per-request work is mostly the event loop's (sockets, callbacks, timers),
which uvloop does in C; so is a load generator's, and one that shares the cores with what
it measures should take as little of them as it can. Without uvloop it is plain asyncio,
with the same behaviour, only slower.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)``, on uvloop if it is installed."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)
