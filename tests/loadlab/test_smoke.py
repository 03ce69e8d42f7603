"""A few seconds of the load lab, both modes, so that `make load` cannot rot."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pokedex_local import statement_log
from tests.loadlab.lineage import Lineage

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).parents[2]


def assert_nothing_pins(state: Path) -> None:
    """No statement of the application role, in either mode's stack, would pin a session
    on RDS Proxy (pokedex_local/pinning.py)."""
    records = sorted(state.rglob(statement_log.RECORD))
    assert len(records) == 2, records  # proxy and direct
    for record in records:
        log = statement_log.read_log(Path(json.loads(record.read_text())["postgres_log"]))
        assert statement_log.statements(log), f"nothing logged for {record}"
        pinned = statement_log.findings(log)
        assert pinned == [], "RDS Proxy would pin on:\n" + "\n".join(map(str, pinned))


def test_smoke_run_writes_results_and_leaves_nothing_behind(tmp_path: Path) -> None:
    output, chart = tmp_path / "load.json", tmp_path / "load.png"
    lab = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pokedex_local.loadlab",
            "--smoke",
            # Reads and team writes: the writes' transactions go through the pinning check too.
            "--profile",
            "mixed",
            "--state-dir",
            str(tmp_path / "state"),
            "--output",
            str(output),
            "--chart",
            str(chart),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Every statement the application role sends is logged, for the pinning check below.
        env={**os.environ, statement_log.ENV_FLAG: "1"},
    )
    # Every process the lab starts (stacks, environments, pgbench, wrk), watched while it runs.
    with Lineage(lab.pid) as lineage:
        try:
            stdout, stderr = lab.communicate(timeout=240)
        except subprocess.TimeoutExpired:
            lab.kill()
            stdout, stderr = lab.communicate()
    done = subprocess.CompletedProcess(lab.args, lab.returncode, stdout, stderr)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert_nothing_pins(tmp_path / "state")
    results = json.loads(output.read_text())
    modes = {(s["mode"], s["concurrency"]) for s in results["steps"]}
    assert modes == {("proxy", 2), ("proxy", 5), ("direct", 2), ("direct", 5)}
    for step in results["steps"]:
        assert step["served"] > 0, step
        assert step["failed"] == 0, step  # far below max_connections, both modes serve all
        assert step["p50_ms"] is not None
        assert step["max_environments"] >= 1
        assert step["samples"], step  # the sampler saw every step
        assert step["sampler_errors"] == [], step
        assert step["max_api_backends"] >= 1, step
        assert 0 <= step["max_api_busy"] <= step["max_api_backends"], step
        assert step["writes_served"] > 0, step  # one request in ten is POST /teams
        assert step["writes_failed"] == 0, step
    proxy = [s for s in results["steps"] if s["mode"] == "proxy"]
    assert all(s["max_api_backends"] <= results["limits"]["pool_size"] for s in proxy)
    refs = results["references"]
    assert refs["pgbench_via_pgbouncer"]["tps"] > 0
    assert refs["api_get_only"]["served"] > 0
    assert refs["noop_gateway"]["served"] > 0
    assert chart.stat().st_size > 10_000
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Load lab: per step" in done.stdout
    assert len(lineage.seen) > 10, lineage.seen  # the watch saw the stacks: it can see a leftover
    time.sleep(1)  # a process being stopped as the lab exits has had time to go
    assert lineage.leftovers() == {}, "processes of the lab outlived it"


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--steps", "10,abc"),
        ("--warmup-seconds", "-1"),
        ("--modes", "sideways"),
        ("--mix", "x=1"),
        ("--profile", "writes-only"),
    ],
)
def test_bad_arguments_are_named(flag: str, value: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pokedex_local.loadlab", flag, value],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert flag.lstrip("-").split("-")[0] in done.stderr
