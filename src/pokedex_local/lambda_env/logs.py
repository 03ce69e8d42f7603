"""The Lambda-style log lines, written to the gateway's stdout.

The environments inherit the same stdout, so a handler's own output lands between its
invocation's START and END lines, as in a CloudWatch log stream.
"""

from __future__ import annotations

import math
import sys
import time


def emit(line: str) -> None:
    sys.stdout.write(line + "\n")
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
    """END and REPORT, in one write: two lines per invocation cost one syscall."""
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
