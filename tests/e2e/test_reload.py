"""The developer's loop: an edit is served on the next request, a syntax error is an init
error rather than a crashed stack, and --env reaches the function."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.e2e.gateway_process import GatewayProcess, get, probe_gateway

pytestmark = pytest.mark.e2e

HANDLER = """
import os
def handler(event, context):
    return {{"version": {version}, "greeting": os.environ.get("GREETING")}}
"""


def write(source: Path, text: str) -> None:
    # A new size as well as a new time: two edits within one mtime tick still differ.
    source.write_text(text)


def wait_for(url: str, status: int, version: int | None = None) -> dict[str, object]:
    """The first answer with ``status`` (and ``version``), which must come within 2 s."""
    began = time.monotonic()
    while True:
        answer = get(url)
        body = answer.json()
        if answer.status == status and (version is None or body.get("version") == version):
            return body  # type: ignore[no-any-return]
        assert time.monotonic() - began < 2.0, (answer.status, body)
        time.sleep(0.05)


@pytest.fixture
def editable(tmp_path: Path) -> tuple[GatewayProcess, Path]:
    code = tmp_path / "code"
    code.mkdir()
    write(code / "editable.py", HANDLER.format(version=1))
    gateway = probe_gateway(
        tmp_path, "--handler", "editable.handler", "--pythonpath", str(code),
        "--watch", str(code), "--env=GREETING=hello world",
    )  # fmt: skip
    yield gateway, code / "editable.py"
    gateway.stop()


def test_an_edit_is_served_on_the_next_request(editable: tuple[GatewayProcess, Path]) -> None:
    gateway, source = editable
    assert get(gateway.url + "/echo").json() == {"version": 1, "greeting": "hello world"}
    # When the source changes
    write(source, HANDLER.format(version=22))
    # Then the new code answers within 2 s, and the log says why
    assert wait_for(gateway.url + "/echo", 200, version=22)["greeting"] == "hello world"
    assert "reload: " in gateway.log()
    assert gateway.environments()["reloads"] >= 1


def test_a_syntax_error_is_an_init_error_not_a_crash(
    editable: tuple[GatewayProcess, Path],
) -> None:
    gateway, source = editable
    assert get(gateway.url + "/echo").status == 200
    write(source, "def handler(event, context:\n")
    assert wait_for(gateway.url + "/echo", 500) == {"message": "Internal Server Error"}
    assert "Runtime.ImportModuleError" in gateway.log()
    # and once fixed, the same stack serves again
    write(source, HANDLER.format(version=3))
    wait_for(gateway.url + "/echo", 200, version=3)


def test_a_malformed_env_override_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="expected KEY=VALUE"):
        probe_gateway(tmp_path, "--env=NOT-A-NAME")
