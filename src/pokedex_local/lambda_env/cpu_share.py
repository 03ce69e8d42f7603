"""Each execution environment on the CPU share its memory size buys on Lambda (opt-in).

Lambda gives a function CPU in proportion to its memory: 1,769 MB is one vCPU, so 512 MB
is 29 % of one. Locally an environment can use a whole core, so its Init Duration is
shorter than the cloud's. With `make run CPU_SHARE=1` each environment runs in a cgroup v1
``cpu`` group of its own whose CFS quota is that share (cpu.cfs_quota_us over the 100 ms
period), and its cold start then takes about as long as on Lambda (docs/local-runtime.md,
"Memory size", has the measured figures).

A group is made by the environment itself, right after the fork, inside a parent group
the stack owns: root creates that parent and hands it to the service account before the
stack gives up root (privileges.py), so no root is needed afterwards. Empty groups of
environments that are gone are removed as new ones are made, and at the end.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

CPU_CONTROLLER = Path("/sys/fs/cgroup/cpu")
ONE_VCPU_MB = 1769
PERIOD_US = 100_000  # the kernel's default CFS period
PREFIX = "pokedex-"


def quota_us(memory_mb: int) -> int:
    """The CFS quota per period that gives ``memory_mb``'s share of one CPU."""
    return max(1000, round(PERIOD_US * memory_mb / ONE_VCPU_MB))


def parent_of(stack_pid: int) -> Path:
    """The group of the stack whose gateway (``python -m pokedex_local.run``) is this pid."""
    return CPU_CONTROLLER / f"{PREFIX}{stack_pid}"


def make_parent(owner_uid: int, owner_gid: int) -> Path:
    """As root: a group for this stack's environments, owned by the account that will
    make their groups in it. Removes the empty groups of stacks that are gone first."""
    if not os.access(CPU_CONTROLLER, os.W_OK):
        raise OSError(f"{CPU_CONTROLLER} is not a writable cgroup v1 cpu controller")
    for old in CPU_CONTROLLER.glob(PREFIX + "*"):
        pid = old.name.removeprefix(PREFIX)
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            remove_tree(old)
    parent = parent_of(os.getpid())
    parent.mkdir(exist_ok=True)
    os.chown(parent, owner_uid, owner_gid)
    return parent


def join(parent: Path, memory_mb: int) -> None:
    """Move this process (a new environment) into a group of its own with the quota."""
    try:
        group = parent / f"env-{os.getpid()}"
        group.mkdir(exist_ok=True)
        (group / "cpu.cfs_period_us").write_text(str(PERIOD_US))
        (group / "cpu.cfs_quota_us").write_text(str(quota_us(memory_mb)))
        (group / "tasks").write_text(str(os.getpid()))
    except OSError as exc:
        # Visible in the stack's log; the environment runs unthrottled.
        print(f"cpu share: cannot join a group under {parent}: {exc}", file=sys.stderr)


def sweep(parent: Path) -> None:
    """Remove the groups of environments that have exited (a group with a task refuses)."""
    for group in parent.glob("env-*"):
        with contextlib.suppress(OSError):
            group.rmdir()


def remove_tree(parent: Path) -> None:
    sweep(parent)
    with contextlib.suppress(OSError):
        parent.rmdir()
