"""A cold burst in `make test`: 300 connections at once on a fresh stack, nothing lost.

The shortened form of `make bench-burst` (docs/local-runtime.md, "Cold starts"): any
throttle, client timeout or non-2xx answer fails it, during the burst or straight after.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pokedex_local.loadlab import wrk

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not wrk.available(), reason="wrk is installed by make setup"),
]

CLIENTS = 300


def test_a_cold_burst_is_served_without_loss(tmp_path: Path) -> None:
    # Given a fresh stack through PgBouncer, when 300 clients arrive at once from cold
    out = tmp_path / "burst.json"
    done = subprocess.run(
        [
            sys.executable, "-m", "pokedex_local.loadlab.burst", "--via", "proxy",
            "--clients", str(CLIENTS), "--seconds", "15", "--timeout", "30",
            "--after-seconds", "5", "--after-timeout", "10", "--out", str(out),
        ],
        capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    (run,) = json.loads(out.read_text())["runs"]
    # Then every request was answered 2xx, in the burst and after it
    for phase in ("burst", "after"):
        assert run[phase]["served"] > 0, run
        assert run[phase]["failed"] == 0, run[phase]
    # and the emulator never throttled below its reserved concurrency of 1,000
    envs = run["environments"]
    assert envs["throttles"] == envs["timeouts"] == envs["init_errors"] == 0, envs
    # and it scaled out (environments were made for the concurrency that was asked)
    assert envs["created"] >= 50, envs
    # while PostgreSQL stayed under its 100 connections
    assert 0 < run["burst"]["max_backends"] < 100, run["burst"]
    assert run["refused_logins"] == 0
