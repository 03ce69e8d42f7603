"""The fault lab's arguments and arithmetic, without a stack."""

from __future__ import annotations

import pytest

from pokedex_local.faultlab.cli import parser
from pokedex_local.faultlab.faults import Window
from pokedex_local.faultlab.measure import measure
from pokedex_local.faultlab.scenarios import SCENARIOS
from pokedex_local.loadlab.driver import Answer


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["--scenarios", "nope"], "unknown scenario(s) nope"),
        (["--scenarios", ","], "(none given)"),
        (["--clients", "0"], "must be at least 1"),
        (["--clients", "many"], "not an integer"),
        (["--lock-seconds", "-1"], "must be more than 0"),
        (["--after", "soon"], "not a number"),
    ],
)
def test_bad_arguments_are_named(
    argv: list[str], complaint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        parser().parse_args(argv)
    assert complaint in capsys.readouterr().err


def test_scenarios_are_taken_in_the_order_given() -> None:
    args = parser().parse_args(["--scenarios", "table_lock,environment_kill"])
    assert [s.name for s in args.scenarios] == ["table_lock", "environment_kill"]
    assert [s.name for s in parser().parse_args([]).scenarios] == [s.name for s in SCENARIOS]


def test_measure_counts_from_the_fault_and_times_the_recovery() -> None:
    answers = [
        Answer(sent=9.0, done=9.5, status=503, retry_after=True, json=True),  # before: ignored
        Answer(sent=10.1, done=10.2, status=200, retry_after=False, json=True),
        Answer(sent=10.5, done=12.5, status=503, retry_after=True, json=True),
        Answer(sent=11.0, done=13.0, status=500, retry_after=False, json=True),
        Answer(sent=13.5, done=13.6, status=200, retry_after=False, json=True),
    ]
    m = measure(answers, Window(began=10.0, back=12.0), before_s=1.0)
    assert (m.requests, m.failed) == (4, 2)
    assert (m.first_failure_s, m.last_failure_s) == (2.5, 3.0)
    assert m.recovery_s == 1.0
    assert m.failures_by_status == {"503": 1, "500": 1}
    assert m.failures_without_retry_after == 1
    assert m.max_during_s == 2.0  # the requests sent between 10.0 and 12.0
    assert m.failed_sent_after_back == 0
    # The last second, where the answer at 13.6 arrived, is partial: left out.
    assert [(s.t, s.ok, s.failed) for s in m.seconds] == [
        (-1, 0, 1),
        (0, 1, 0),
        (1, 0, 0),
        (2, 0, 1),
    ]
