"""``python -m pokedex_local.gateway`` as a child process: started, asked, stopped.

The e2e tests, the load lab's no-op reference and the gateway benchmark each run a gateway
with a handler of their own; this is how all three start one and learn its URL.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from pokedex_local.gateway.server import ADMIN_PATH


class GatewayProcess:
    """A gateway serving on a free port, its output in ``workdir/gateway.log``.

    ``args`` are the gateway's own (``--handler``, ``--env``, ...). Raises RuntimeError,
    with the log, when the gateway does not say it is ready within ``start_timeout_s``.
    """

    def __init__(
        self,
        workdir: Path,
        *args: str,
        env: dict[str, str] | None = None,
        start_timeout_s: float = 30.0,
    ) -> None:
        self.log_path = workdir / "gateway.log"
        ready = workdir / "ready.json"
        command = [sys.executable, "-m", "pokedex_local.gateway", "--port", "0"]
        command += ["--ready-file", str(ready), *args]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
            )
        # The gateway writes the file whole and renames it: once it exists, it is complete.
        deadline = time.monotonic() + start_timeout_s
        while not ready.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"gateway did not start:\n{self.log()}")
            time.sleep(0.05)
        try:
            info = json.loads(ready.read_text())
        except ValueError:
            self.stop()
            raise
        self.url: str = info["url"]
        self.fork_server_pid: int = info["pids"]["fork_server"]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def environments(self) -> dict[str, Any]:
        """The gateway's summary of its environments (what its admin path answers)."""
        with urllib.request.urlopen(self.url + ADMIN_PATH, timeout=10) as answer:
            return json.loads(answer.read())  # type: ignore[no-any-return]

    def stop(self) -> None:
        """SIGTERM, as Ctrl-C would: the gateway stops its environments, then exits."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
