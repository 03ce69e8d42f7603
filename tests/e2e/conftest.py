"""Gateways under test, each a real process serving real HTTP on a free port.

The probe gateway is shared by the tests that don't depend on the pool's history; the
tests that count environments start their own, with the limits they need.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

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
