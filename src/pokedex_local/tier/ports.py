"""Free TCP ports on the loopback interface."""

from __future__ import annotations

import socket
import time


def free_port() -> int:
    """A port nothing listens on right now (the kernel picks it; a race is possible but rare)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def accepts(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_until_closed(port: int, deadline_s: float = 5.0) -> None:
    """Wait for a stopped server's port to be released, so a restart can bind it again."""
    end = time.monotonic() + deadline_s
    while accepts(port) and time.monotonic() < end:
        time.sleep(0.02)
