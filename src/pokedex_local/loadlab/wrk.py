"""GET /poke_info/{n} driven by wrk, a client written in C.

The references compare the stack with pgbench, which is C too: measured with the lab's
Python client, a good part of the two cores would go to the client rather than to the
system under test. wrk reports non-2xx answers and socket errors, which count as failures.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from pokedex_local.dex import DEX_NUMBERS

SCRIPT = r"""
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", __PATH__)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "non_2xx": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "timeout": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def script(path: str | None = None) -> str:
    """The Lua script: requests to ``path``, or walking the dex numbers in steps of a prime."""
    spread = f'"/poke_info/" .. ((counter * 7919) % {DEX_NUMBERS} + 1)'
    return SCRIPT.replace("__PATH__", spread if path is None else json.dumps(path))


def available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(
    base_url: str,
    clients: int,
    seconds: float,
    *,
    timeout_s: float = 35.0,
    path: str | None = None,
) -> dict[str, Any]:
    """wrk for ``seconds``; ``path`` fixes the request path (default: dex numbers spread
    over the Pokédex); a request unanswered after ``timeout_s`` counts as failed."""
    script_text = script(path)
    with tempfile.TemporaryDirectory(prefix="wrk-") as tmp:
        script_file = Path(tmp) / "get_pokemon.lua"
        script_file.write_text(script_text, encoding="utf-8")
        done = subprocess.run(
            [
                "wrk",
                f"--threads={min(2, clients)}",
                f"--connections={clients}",
                f"--duration={max(1, round(seconds))}s",
                f"--timeout={max(1, round(timeout_s))}s",
                f"--script={script_file}",
                base_url + "/",
            ],
            capture_output=True,
            text=True,
            timeout=seconds + timeout_s + 60,
            check=False,
        )
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed: {done.stderr.strip()[-500:]} {done.stdout[-500:]}")
    raw = json.loads(line.removeprefix("RESULT "))
    seconds_run = raw["duration_us"] / 1e6
    failed = raw["non_2xx"] + raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
    served = raw["requests"] - raw["non_2xx"]
    return {
        "client": "wrk",
        "clients": clients,
        "seconds": round(seconds_run, 2),
        "served": served,
        "failed": failed,
        "errors": {k: raw[k] for k in ("non_2xx", "connect", "read", "write", "timeout") if raw[k]},
        "throughput_rps": served / seconds_run if seconds_run else 0.0,
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
    }
