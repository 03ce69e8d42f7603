"""Per-second counts and latencies of the API's requests, for the live view.

One bucket per wall-clock second; when the second turns, the finished bucket is reduced to
its figures (its latencies are dropped), so memory stays bounded at any request rate.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from pokedex_local.percentile import percentiles

KEEP_S = 120


@dataclass
class _Bucket:
    second: int
    requests: int = 0
    server_errors: int = 0
    client_errors: int = 0
    latencies: list[float] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        p50, p99 = percentiles(self.latencies, [50, 99])
        return {
            "second": self.second,
            "requests": self.requests,
            "server_errors": self.server_errors,
            "client_errors": self.client_errors,
            "p50_ms": _ms(p50),
            "p99_ms": _ms(p99),
        }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


class RequestMetrics:
    def __init__(self) -> None:
        self._current = _Bucket(int(time.time()))
        self._done: deque[dict[str, Any]] = deque(maxlen=KEEP_S)
        self.total = 0

    def record(self, status: int, seconds: float) -> None:
        bucket = self._bucket()
        bucket.requests += 1
        bucket.server_errors += status >= 500
        bucket.client_errors += 400 <= status < 500
        bucket.latencies.append(seconds)
        self.total += 1

    def history(self) -> list[dict[str, Any]]:
        """The finished seconds, oldest first (seconds without requests included)."""
        self._bucket()
        return list(self._done)

    def _bucket(self) -> _Bucket:
        now = int(time.time())
        if now != self._current.second:
            last = self._current.second
            self._done.append(self._current.figures())
            # Quiet seconds are seconds too: a chart must show the gap.
            for quiet in range(max(last + 1, now - KEEP_S), now):
                self._done.append(_Bucket(quiet).figures())
            self._current = _Bucket(now)
        return self._current
