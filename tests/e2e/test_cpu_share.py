"""`make run CPU_SHARE=1`: each environment in a cgroup of its own, on its memory's share of
a CPU, as Lambda allots it. Root only: making the parent group needs it."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pokedex_local.lambda_env import cpu_share
from pokedex_local.loadlab import stack as stacks
from tests.e2e.gateway_process import get

pytestmark = pytest.mark.e2e


@pytest.fixture
def shared_stack() -> Iterator[stacks.RunningStack]:
    if os.geteuid() != 0 or not os.access(cpu_share.CPU_CONTROLLER, os.W_OK):
        pytest.skip("needs root and a writable cgroup v1 cpu controller")
    state_dir = Path(tempfile.mkdtemp(prefix="pokedex-cpu-"))
    state_dir.chmod(0o711)
    stack = stacks.start("proxy", state_dir, extra=["--cpu-share"])
    yield stack
    stack.stop()
    shutil.rmtree(state_dir, ignore_errors=True)
    # The stack (no longer root) cannot remove its parent group; root can, once it is empty.
    cpu_share.remove_tree(cpu_share.parent_of(stack.description["pids"]["gateway"]))


def _parent(description: dict[str, Any]) -> str:
    """The stack's group as /proc/<pid>/cgroup names it: its path below the controller."""
    group = cpu_share.parent_of(description["pids"]["gateway"])
    return "/" + str(group.relative_to(cpu_share.CPU_CONTROLLER))


def _cpu_cgroup(pid: int) -> str:
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if "cpu" in controllers.split(","):
            return path
    raise AssertionError(f"no cpu cgroup for {pid}")


def test_each_environment_runs_on_its_memory_share(shared_stack: stacks.RunningStack) -> None:
    description: dict[str, Any] = shared_stack.description
    assert get(description["api_url"] + "/poke_info/25").status == 200
    environments = json.loads(get(description["admin_url"]).body)["environments"]
    assert environments
    memory_mb = description["function"]["memory_mb"]
    parent = _parent(description)
    for environment in environments:
        group = _cpu_cgroup(environment["pid"])
        assert group == f"{parent}/env-{environment['pid']}"
        quota = (cpu_share.CPU_CONTROLLER / group.lstrip("/") / "cpu.cfs_quota_us").read_text()
        assert int(quota) == cpu_share.quota_us(memory_mb)  # 512 MB: 28,943 µs per 100 ms
    # The gateway itself is not throttled.
    assert not _cpu_cgroup(description["pids"]["gateway"]).startswith(parent)
