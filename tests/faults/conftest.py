"""One stack through PgBouncer for the shortened scenarios, started once for the module."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from pokedex_local.faultlab.faults import Target
from pokedex_local.faultlab.lab import Outcome, warm_up
from pokedex_local.loadlab import stack as stacks

CLIENTS = 20  # the shortened scenarios' steady load


@pytest.fixture(scope="session")
def target() -> Iterator[Target]:
    path = Path(tempfile.mkdtemp(prefix="pokedex-faults-"))
    path.chmod(0o711)  # the tier's service account must be able to enter it
    stack = stacks.start("proxy", path)
    try:
        running = Target(stack, path)
        warm_up(running, CLIENTS)
        yield running
    finally:
        stack.stop()
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def outcomes() -> list[Outcome]:
    """What the scenarios measured, for the report test that runs after them."""
    return []
