"""What HTTP API refuses never reaches the function: a corpus of malformed and oversized
requests, each answered 4xx, with zero invocations; and the admin and Invoke APIs answer
only a loopback caller that asked for a loopback Host."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pokedex_local.gateway.server import ADMIN_PATH
from tests.e2e.gateway_process import GatewayProcess, probe_gateway, request

pytestmark = pytest.mark.e2e

LOTS = "".join(f"X-Filler-{i}: {'v' * 90}\r\n" for i in range(120))  # ~12 KB in all

CORPUS = {
    "not HTTP": b"GARBAGE\r\n\r\n",
    "a header line over 10 KB": b"GET /echo HTTP/1.1\r\nHost: a\r\nX-Big: " + b"x" * 11000
    + b"\r\n\r\n",
    "headers over 10 KB in all": f"GET /echo HTTP/1.1\r\nHost: a\r\n{LOTS}\r\n".encode(),
    "a Content-Length that is no number": b"POST /echo HTTP/1.1\r\nHost: a\r\n"
    b"Content-Length: abc\r\n\r\n",
    "a negative Content-Length": b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: -5\r\n\r\n",
    "two Content-Lengths that differ": b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
    b"Content-Length: 2\r\n\r\nab",
    "broken chunked encoding": b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked"
    b"\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
    "a body declared over 10 MB": b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10485761"
    b"\r\n\r\n",
    "a bad percent-escape": b"GET /echo/%25 HTTP/1.1\r\nHost: a\r\n\r\n",
    "a bare % in the path": b"GET /echo/100% HTTP/1.1\r\nHost: a\r\n\r\n",
    "no route": b"BREW /echo/static/pot HTTP/1.1\r\nHost: a\r\n\r\n",
    "a control character in the path": b"GET /echo/a\x01b HTTP/1.1\r\nHost: a\r\n\r\n",
}  # fmt: skip


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayProcess]:
    gateway = probe_gateway(tmp_path_factory.mktemp("limits"))
    yield gateway
    gateway.stop()


def send_raw(gateway: GatewayProcess, data: bytes) -> int:
    address = urlsplit(gateway.url)
    with socket.create_connection((address.hostname, address.port), timeout=10) as conn:
        conn.sendall(data)
        answer = b""
        # The status line and headers are enough; the server may keep the connection.
        while b"\r\n\r\n" not in answer and (chunk := conn.recv(65536)):
            answer += chunk
    status_line = answer.split(b"\r\n", 1)[0]
    assert status_line.startswith(b"HTTP/1."), answer[:200]
    return int(status_line.split()[1])


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_malformed_requests_are_4xx(gateway: GatewayProcess, case: str) -> None:
    status = send_raw(gateway, CORPUS[case])
    assert 400 <= status < 500, (case, status)


def test_the_corpus_invoked_nothing(gateway: GatewayProcess) -> None:
    for case in sorted(CORPUS):
        send_raw(gateway, CORPUS[case])
    assert gateway.environments()["invocations"] == 0


def test_headers_over_the_quota_are_431_before_the_function(gateway: GatewayProcess) -> None:
    assert send_raw(gateway, CORPUS["headers over 10 KB in all"]) == 431


def test_admin_and_invoke_apis_need_a_loopback_host(gateway: GatewayProcess) -> None:
    admin = f"GET {ADMIN_PATH} HTTP/1.1\r\nHost: evil.example\r\n\r\n".encode()
    invoke = b"POST /2015-03-31/functions/pokedex-local/invocations HTTP/1.1\r\n"
    invoke += b"Host: evil.example:3000\r\nContent-Length: 2\r\n\r\n{}"
    assert send_raw(gateway, admin) == 404
    assert send_raw(gateway, invoke) == 404
    local = f"GET {ADMIN_PATH} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode()
    assert send_raw(gateway, local) == 200


def test_a_body_too_big_for_the_event_is_refused_unread(tmp_path: Path) -> None:
    gateway = probe_gateway(tmp_path)
    try:
        answer = request("POST", gateway.url + "/echo", b"x" * (6 * 1024 * 1024 + 1))
        assert answer.status == 413
        assert gateway.environments()["invocations"] == 0
    finally:
        gateway.stop()
