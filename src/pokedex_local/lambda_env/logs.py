"""The Lambda-style log lines, written to the gateway's stdout.

The environments inherit the same stdout, so a handler's own output lands between its
invocation's START and END lines, as in a CloudWatch log stream.

Lines are batched: those emitted during one turn of the event loop are written together,
at the start of the next turn or, at the latest, just before an invoke frame is sent (the
environment calls ``flush`` first): START must be in the file before the handler can
print. That makes one write per invocation instead of two. END follows the environment's
own flush of its output, so it can be late without being out of order.
"""

from __future__ import annotations

import asyncio
import math
import sys
import time

_pending: list[str] = []
_scheduled = False


def emit(line: str) -> None:
    global _scheduled
    _pending.append(line)
    if _scheduled:
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        flush()  # no event loop (a tool, a test): write at once
        return
    loop.call_soon(flush)
    _scheduled = True


def flush() -> None:
    """Write the pending lines now, in one write."""
    global _scheduled
    _scheduled = False
    if not _pending:
        return
    text = "\n".join(_pending) + "\n"
    _pending.clear()
    sys.stdout.write(text)
    sys.stdout.flush()


def start(request_id: str) -> None:
    emit(f"START RequestId: {request_id} Version: $LATEST")


def finish(
    request_id: str,
    duration_ms: float,
    memory_mb: int,
    max_memory_mb: int,
    init_ms: float | None,
) -> None:
    """END and REPORT."""
    report = (
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
        f"Billed Duration: {max(1, math.ceil(duration_ms))} ms\t"
        f"Memory Size: {memory_mb} MB\tMax Memory Used: {max_memory_mb} MB"
    )
    if init_ms is not None:
        report += f"\tInit Duration: {init_ms:.2f} ms"
    emit(f"END RequestId: {request_id}\n{report}")


def init_report(init_ms: float, status: str, error_type: str | None) -> None:
    line = f"INIT_REPORT Init Duration: {init_ms:.2f} ms\tPhase: init\tStatus: {status}"
    if error_type:
        line += f"\tError Type: {error_type}"
    emit(line)


def platform(request_id: str, message: str) -> None:
    """A line the Lambda service (not the function) writes, e.g. a timeout."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    emit(f"{stamp}Z {request_id} {message}")
