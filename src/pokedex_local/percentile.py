"""The one percentile rule of every figure this project reports: nearest rank.

The p-th percentile of n values is the value of rank ceil(p/100 · n) in ascending order
(rank 1 for p = 0): the smallest value with at least p% of the values at or below it. It is
always one of the measured values, never a blend of two (a p99 of 100 requests is the
99th fastest of them), and the load lab, the burst, the fault lab, the live view and the
benchmarks all give figures that can be compared with one another.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence


def percentile(values: Iterable[float], p: float) -> float | None:
    """The ``p``-th percentile (0-100) of ``values`` by nearest rank; None for no values."""
    return percentiles(values, [p])[0]


def percentiles(values: Iterable[float], ps: Sequence[float]) -> list[float | None]:
    """Each ``ps``-th percentile (0-100) of ``values`` by nearest rank, in the order of
    ``ps``, the values sorted once; None for each when there are no values."""
    for p in ps:
        if not 0 <= p <= 100:
            raise ValueError(f"a percentile is between 0 and 100, got {p}")
    ordered = sorted(values)
    if not ordered:
        return [None] * len(ps)
    # Rounded first: p = 16.1 over 1,000 values gives 161.00000000000003 in floating point,
    # and its rank is 161, not 162.
    ranks = [math.ceil(round(p * len(ordered) / 100, 9)) for p in ps]
    return [ordered[max(rank, 1) - 1] for rank in ranks]
