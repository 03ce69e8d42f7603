"""The frames between the gateway, the fork server and the environments
(lambda_env/protocol.py, and the gateway's asyncio reader), in-process."""

from __future__ import annotations

import asyncio
import io
import json

import pytest

from pokedex_local.lambda_env import protocol
from pokedex_local.lambda_env.fork_server_client import read_frame as read_frame_async


def frames(*encoded: bytes) -> io.BytesIO:
    return io.BytesIO(b"".join(encoded))


def test_a_frame_is_two_lengths_a_json_header_and_the_payload_as_it_is() -> None:
    frame = protocol.encode({"t": "invoke", "id": "r1"}, b'{"raw": true}')
    head = b'{"t":"invoke","id":"r1"}'
    assert frame == len(head).to_bytes(4, "big") + (13).to_bytes(4, "big") + head + b'{"raw": true}'


@pytest.mark.parametrize(
    ("header", "payload"),
    [
        ({"t": "init"}, b""),
        ({"t": "result", "ok": True, "ms": 1.5, "mem_mb": 40}, b'"a string"'),
        ({"t": "invoke", "id": "λ-id", "timeout_ms": 3000}, bytes(range(256)) * 100),
    ],
)
def test_frames_round_trip(header: dict[str, object], payload: bytes) -> None:
    stream = frames(protocol.encode(header, payload), protocol.encode({"t": "next"}))
    assert protocol.read_frame(stream) == (header, payload)
    assert protocol.read_frame(stream) == ({"t": "next"}, b"")
    assert protocol.read_frame(stream) is None  # a clean end between frames


def test_write_frame_writes_one_frame_and_flushes() -> None:
    class Recorder(io.BytesIO):
        flushed = 0

        def flush(self) -> None:
            self.flushed += 1

    stream = Recorder()
    protocol.write_frame(stream, {"t": "ready"}, b"x")
    assert stream.getvalue() == protocol.encode({"t": "ready"}, b"x")
    assert stream.flushed == 1


@pytest.mark.parametrize("cut", [1, protocol.PREFIX.size - 1])
def test_a_stream_that_ends_inside_the_prefix_is_an_error(cut: int) -> None:
    frame = protocol.encode({"t": "init"})
    with pytest.raises(protocol.ProtocolError, match="inside a frame prefix"):
        protocol.read_frame(frames(frame[:cut]))


@pytest.mark.parametrize("missing", [1, 5])
def test_a_stream_that_ends_inside_the_frame_is_an_error(missing: int) -> None:
    frame = protocol.encode({"t": "result"}, b"payload")
    with pytest.raises(protocol.ProtocolError, match="inside a frame"):
        protocol.read_frame(frames(frame[:-missing]))


def test_a_frame_over_the_bound_is_refused_before_it_is_read() -> None:
    # The lengths alone: nothing of that size is ever allocated
    half = protocol.MAX_FRAME // 2
    with pytest.raises(protocol.ProtocolError, match="exceeds"):
        protocol.decode_prefix(protocol.PREFIX.pack(half, half + 1))
    assert protocol.decode_prefix(protocol.PREFIX.pack(half, half)) == (half, half)
    with pytest.raises(protocol.ProtocolError, match="exceeds"):
        protocol.read_frame(frames(protocol.PREFIX.pack(protocol.MAX_FRAME + 1, 0)))


@pytest.mark.parametrize(
    "head",
    [
        b"[1, 2]",  # JSON, but no object
        b'{"id": "r1"}',  # no message type
        b'{"t": 3}',  # a type that is not a string
    ],
)
def test_a_header_that_is_no_message_is_an_error(head: bytes) -> None:
    with pytest.raises(protocol.ProtocolError, match="not a message header"):
        protocol.decode_header(head)


def test_a_header_that_is_no_json_is_an_error() -> None:
    with pytest.raises(json.JSONDecodeError):
        protocol.decode_header(b"{t: init}")


def read_async(data: bytes) -> tuple[dict[str, object], bytes]:
    async def read() -> tuple[dict[str, object], bytes]:
        reader = asyncio.StreamReader()
        reader.feed_data(data)
        reader.feed_eof()
        return await read_frame_async(reader)

    return asyncio.run(read())


def test_the_gateways_reader_reads_the_same_frames() -> None:
    payload = bytes(range(256))
    assert read_async(protocol.encode({"t": "result", "ok": False}, payload)) == (
        {"t": "result", "ok": False},
        payload,
    )


def test_the_gateways_reader_sees_a_peer_gone_mid_frame_as_an_incomplete_read() -> None:
    frame = protocol.encode({"t": "result"}, b"payload")
    with pytest.raises(asyncio.IncompleteReadError):
        read_async(frame[:-1])
    with pytest.raises(asyncio.IncompleteReadError):
        read_async(frame[:3])


def test_the_gateways_reader_refuses_an_oversize_frame() -> None:
    with pytest.raises(protocol.ProtocolError, match="exceeds"):
        read_async(protocol.PREFIX.pack(protocol.MAX_FRAME, 1))
