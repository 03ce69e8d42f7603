"""Gateways under test, each a real process serving real HTTP on a free port.

The probe gateway is shared by the tests that don't depend on the pool's history; the
tests that count environments start their own, with the limits they need.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pokedex_local.loadlab.stack import start as start_stack
from tests.e2e.gateway_process import GatewayProcess, probe_gateway


@pytest.fixture(scope="session")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayProcess]:
    gateway = probe_gateway(
        tmp_path_factory.mktemp("probe"), "--timeout", "5", "--integration-timeout", "10"
    )
    yield gateway
    gateway.stop()


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture(scope="session")
def local_stack() -> Iterator[dict[str, Any]]:
    """`make run` itself (python -m pokedex_local.run) on a free port: its stack.json.

    Its state directory is one the service account can reach (pytest's own are root's
    alone), so that as root the stack runs as it does for a user: without root.
    """
    state_dir = Path(tempfile.mkdtemp(prefix="pokedex-e2e-"))
    state_dir.chmod(0o711)
    stack = start_stack("proxy", state_dir)
    yield stack.description
    stack.stop()
    shutil.rmtree(state_dir, ignore_errors=True)
