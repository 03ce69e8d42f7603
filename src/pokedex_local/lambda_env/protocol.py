"""The wire format between the gateway and the environments (and the fork server).

A frame is two big-endian uint32 lengths, a JSON header and a raw payload:

    [header length][payload length][header JSON][payload bytes]

The payload carries the event and the function's response as they are, already serialised,
so a response is never JSON-encoded twice and its size is known without parsing it. This
module is imported by the fork server, so it uses the standard library's small modules only.
"""

from __future__ import annotations

import json
import struct
from typing import Any, Protocol

PREFIX = struct.Struct(">II")
# A bound on what a peer may ask us to allocate: well above Lambda's 6 MB invoke payload.
MAX_FRAME = 64 * 1024 * 1024


class Stream(Protocol):
    """A buffered binary stream, e.g. ``socket.makefile("rwb")``."""

    def read(self, size: int, /) -> bytes: ...
    def write(self, data: bytes, /) -> int: ...
    def flush(self) -> None: ...


class ProtocolError(Exception):
    """The peer sent something that is not a frame."""


# The wire's JSON, compact, for the headers and for the gateway's events: one shared
# encoder, since json.dumps with options builds a new one on each call.
compact_json = json.JSONEncoder(separators=(",", ":")).encode


def encode(header: dict[str, Any], payload: bytes = b"") -> bytes:
    head = compact_json(header).encode()
    return PREFIX.pack(len(head), len(payload)) + head + payload


def decode_prefix(prefix: bytes) -> tuple[int, int]:
    head_len, payload_len = PREFIX.unpack(prefix)
    if head_len + payload_len > MAX_FRAME:
        raise ProtocolError(f"frame of {head_len + payload_len} bytes exceeds {MAX_FRAME}")
    return head_len, payload_len


def decode_header(head: bytes) -> dict[str, Any]:
    header = json.loads(head)
    if not isinstance(header, dict) or not isinstance(header.get("t"), str):
        raise ProtocolError(f"not a message header: {head[:80]!r}")
    return header


def read_frame(stream: Stream) -> tuple[dict[str, Any], bytes] | None:
    """Blocking read of one frame; None on a clean end of stream."""
    prefix = stream.read(PREFIX.size)
    if not prefix:
        return None
    if len(prefix) < PREFIX.size:
        raise ProtocolError("stream ended inside a frame prefix")
    head_len, payload_len = decode_prefix(prefix)
    body = stream.read(head_len + payload_len)
    if len(body) < head_len + payload_len:
        raise ProtocolError("stream ended inside a frame")
    return decode_header(body[:head_len]), body[head_len:]


def write_frame(stream: Stream, header: dict[str, Any], payload: bytes = b"") -> None:
    stream.write(encode(header, payload))
    stream.flush()
