"""Between aiohttp and the gateway: what is read off a request (its header size, where it
comes from, whether its client is still there) and how an answer is written back."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable
from typing import Any

from aiohttp import HttpVersion11, web
from multidict import CIMultiDict

from pokedex_local.gateway import events, responses


def client_gone(request: web.BaseRequest) -> Callable[[], bool]:
    """Whether the client has closed its connection (its request can no longer be answered)."""

    def gone() -> bool:
        transport = request.transport
        return transport is None or transport.is_closing()

    return gone


def respond(answer: responses.HttpResponse, request_id: str) -> web.Response:
    """The answer on the wire, with the request id HTTP API adds to every response."""
    headers = CIMultiDict(answer.headers)
    headers["apigw-requestid"] = request_id
    return web.Response(status=answer.status, headers=headers, body=answer.body)


def header_bytes(request: web.BaseRequest) -> int:
    """The request line and headers' size, as HTTP API counts it against its 10 KB quota."""
    line = len(request.method) + len(request.raw_path) + 10  # " ", " HTTP/1.1"
    return line + sum(len(name) + len(value) + 4 for name, value in request.raw_headers)


_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})


def from_this_machine(request: web.BaseRequest) -> bool:
    """The caller's address and the Host it asked for are both loopback (the Host check
    stops a web page from reaching the gateway's own APIs through DNS rebinding)."""
    try:
        peer = ipaddress.ip_address(request.remote or "")
    except ValueError:
        return False
    host = events.host_without_port(request.headers.get("host", ""))
    return peer.is_loopback and host in _LOOPBACK_HOSTS


def json_response(value: Any, indent: int | None = None) -> responses.HttpResponse:
    body = json.dumps(value, indent=indent).encode()
    return responses.HttpResponse(
        200, [("content-type", "application/json"), ("cache-control", "no-store")], body
    )


async def send_continue(request: web.BaseRequest) -> None:
    """Let a client that asked (curl does for bodies over 1 KB) send its body now."""
    if request.version == HttpVersion11:
        await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        request.writer.output_size = 0
