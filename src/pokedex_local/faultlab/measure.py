"""From the answers and the fault's window to the figures the report gives.

Times are relative to the moment the fault began. A request belongs to the fault when it
was sent between the fault's start and the broken part being back; failures are counted
from the fault's start to the end of the observation.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from pokedex_local.faultlab.faults import Window
from pokedex_local.loadlab.driver import Answer
from pokedex_local.percentile import percentile


@dataclass
class Second:
    t: int  # seconds since the fault began (negative: before it)
    ok: int
    failed: int
    p99_ms: float | None


@dataclass
class Measured:
    window_s: float  # from the fault's start until the broken part was back
    requests: int  # answered from the fault's start to the end of the observation
    failed: int
    first_failure_s: float | None  # when the first and last failed answers came
    last_failure_s: float | None
    recovery_s: float  # from "back" to the last failed answer (0: none after it)
    p99_during_s: float | None  # answer time of requests sent during the fault
    max_during_s: float | None
    failures_by_status: dict[str, int]
    failures_without_retry_after: int  # 5xx answers without Retry-After or not JSON
    slowest_failure_s: float | None
    failed_sent_after_back: int
    seconds: list[Second] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def measure(answers: list[Answer], window: Window, *, before_s: float) -> Measured:
    began, back = window.began, window.back
    observed = [a for a in answers if a.done >= began]
    failures = [a for a in observed if not a.ok]
    during = [a.seconds for a in answers if began <= a.sent <= back]
    by_status: dict[str, int] = {}
    for a in failures:
        key = str(a.status) if a.status else "no answer"
        by_status[key] = by_status.get(key, 0) + 1
    last = max((a.done for a in failures), default=None)
    return Measured(
        window_s=round(back - began, 3),
        requests=len(observed),
        failed=len(failures),
        first_failure_s=_rel(min((a.done for a in failures), default=None), began),
        last_failure_s=_rel(last, began),
        recovery_s=round(max(0.0, last - back), 3) if last is not None else 0.0,
        p99_during_s=_round(percentile(during, 99)),
        max_during_s=_round(max(during, default=None)),
        failures_by_status=by_status,
        failures_without_retry_after=sum(
            1 for a in failures if a.status >= 500 and not (a.retry_after and a.json)
        ),
        slowest_failure_s=_round(max((a.seconds for a in failures), default=None)),
        failed_sent_after_back=sum(1 for a in failures if a.sent > back),
        seconds=per_second(answers, began, before_s),
    )


def per_second(answers: list[Answer], began: float, before_s: float) -> list[Second]:
    """Answers by the second they arrived in, from ``before_s`` before the fault; the last,
    partial second (the load stopping, in-flight requests draining) is left out."""
    if not answers:
        return []
    first = -math.ceil(before_s)
    last = math.floor(max(a.done for a in answers) - began)
    buckets: dict[int, list[Answer]] = {t: [] for t in range(first, last)}
    for a in answers:
        t = math.floor(a.done - began)
        if t in buckets:
            buckets[t].append(a)
    return [
        Second(
            t,
            sum(1 for a in bucket if a.ok),
            sum(1 for a in bucket if not a.ok),
            _round_ms(percentile([a.seconds * 1000 for a in bucket], 99)),
        )
        for t, bucket in buckets.items()
    ]


def failures_after(answers: list[Answer], moment: float) -> int:
    return sum(1 for a in answers if not a.ok and a.done > moment)


def _rel(value: float | None, origin: float) -> float | None:
    return None if value is None else round(value - origin, 3)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _round_ms(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
