"""`make run DEBUG=1`: one environment, and a debug adapter a client can talk to."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest

from tests.e2e.gateway_process import get, probe_gateway

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def dap_initialize(port: int) -> dict[str, object]:
    """The first request VS Code sends when it attaches, and the adapter's answer."""
    body = json.dumps(
        {"seq": 1, "type": "request", "command": "initialize", "arguments": {"adapterID": "t"}}
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        data = b""
        while True:
            head, sep, rest = data.partition(b"\r\n\r\n")
            if sep:
                length = int(head.split(b":")[1])
                if len(rest) >= length:
                    message: dict[str, object] = json.loads(rest[:length])
                    if message.get("type") == "response":
                        return message
                    data = rest[length:]
                    continue
            chunk = conn.recv(65536)
            assert chunk, "the debug adapter closed the connection"
            data += chunk


def test_debug_mode_serves_from_one_environment_a_debugger_can_attach_to(
    tmp_path: Path,
) -> None:
    port = free_port()
    gateway = probe_gateway(tmp_path, "--debug-port", str(port))
    try:
        assert get(gateway.url + "/echo").status == 200
        summary = gateway.environments()
        assert (summary["reserved_concurrency"], summary["timeout_s"]) == (1, 3600.0)
        deadline = time.monotonic() + 10
        while f"debugpy listening on 127.0.0.1:{port}" not in gateway.log():
            assert time.monotonic() < deadline, gateway.log()
            time.sleep(0.1)
        answer = dap_initialize(port)
        assert (answer["command"], answer["success"]) == ("initialize", True)
    finally:
        gateway.stop()
