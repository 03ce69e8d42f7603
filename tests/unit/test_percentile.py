"""The one percentile rule: nearest rank, always one of the values."""

from __future__ import annotations

import random

import pytest

from pokedex_local.percentile import percentile, percentiles


def test_p99_of_a_hundred_values_is_the_ninety_ninth() -> None:
    values = [float(n) for n in range(1, 101)]
    random.Random(7).shuffle(values)
    assert percentile(values, 99) == 99.0
    assert percentile(values, 50) == 50.0
    assert percentile(values, 100) == 100.0


def test_a_rank_between_two_values_is_the_higher_one_never_a_blend() -> None:
    values = [10.0, 20.0, 30.0, 40.0]
    # 50% of 4 values is rank 2 exactly; 51% is past it, so rank 3.
    assert percentile(values, 50) == 20.0
    assert percentile(values, 51) == 30.0
    assert percentile(values, 99) == 40.0


def test_p0_is_the_smallest_value() -> None:
    assert percentile([3.0, 1.0, 2.0], 0) == 1.0


def test_floating_point_does_not_push_an_exact_rank_up() -> None:
    # 16.1 * 1000 / 100 is 161.00000000000003 in floating point: the rank is still 161.
    values = [float(n) for n in range(1, 1001)]
    assert percentile(values, 16.1) == 161.0


def test_one_value_is_every_percentile() -> None:
    assert {percentile([7.5], p) for p in (0, 1, 50, 99, 100)} == {7.5}


def test_no_values_have_no_percentile() -> None:
    assert percentile([], 99) is None


@pytest.mark.parametrize("p", [-1, 100.5])
def test_a_percentile_outside_0_to_100_is_refused(p: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 100"):
        percentile([1.0], p)


def test_percentiles_agree_with_percentile_for_each_p() -> None:
    ps = [0, 1, 16.1, 50, 51, 95, 99, 99.9, 100]
    rng = random.Random(11)
    for n in (1, 2, 4, 7, 100, 1000):
        values = [rng.uniform(0.0, 5.0) for _ in range(n)]
        assert percentiles(values, ps) == [percentile(values, p) for p in ps]
    assert percentiles([], ps) == [None] * len(ps)


def test_percentiles_refuse_any_p_outside_0_to_100() -> None:
    with pytest.raises(ValueError, match="between 0 and 100"):
        percentiles([1.0], [50, 100.5])
