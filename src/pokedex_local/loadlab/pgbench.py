"""The database tier's ceiling: pgbench through PgBouncer, running the API's own query.

The script is pokedex/queries/get_pokemon.sql with its parameter turned into a pgbench
variable drawn uniformly from 1 to DEX_NUMBERS (1,025), so it does exactly what
GET /poke_info/{n} asks of the database, over the same TLS connection to PgBouncer as the
same role.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pokedex.db import load_query
from pokedex_local.dex import DEX_NUMBERS


@dataclass(frozen=True)
class PgbenchResult:
    clients: int
    duration_s: int
    tps: float
    latency_avg_ms: float | None
    transactions: int


def pgbench_binary() -> str:
    found = shutil.which("pgbench") or next(
        iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/pgbench"), reverse=True)), None
    )
    if found is None:
        raise RuntimeError("pgbench not found: install Debian's postgresql package")
    return found


def script_text() -> str:
    query = load_query("get_pokemon").decode()
    lines = [line for line in query.splitlines() if not line.lstrip().startswith("--")]
    body = "\n".join(lines).replace("%(dex_number)s", ":n").strip()
    return f"\\set n random(1, {DEX_NUMBERS})\n{body};\n"


def run_pgbench(
    *, host: str, port: int, dbname: str, user: str, password: str, clients: int, seconds: int
) -> PgbenchResult:
    with tempfile.TemporaryDirectory(prefix="pgbench-") as tmp:
        script = Path(tmp) / "get_pokemon.sql"
        script.write_text(script_text(), encoding="utf-8")
        done = subprocess.run(
            [
                pgbench_binary(),
                "--no-vacuum",
                "--protocol=simple",  # PgBouncer 1.18 has no prepared statements
                f"--client={clients}",
                f"--jobs={min(clients, 2)}",
                f"--time={seconds}",
                f"--file={script}",
                f"--host={host}",
                f"--port={port}",
                f"--username={user}",
                dbname,
            ],
            env={**os.environ, "PGPASSWORD": password, "PGSSLMODE": "require"},
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"pgbench failed: {done.stderr.strip()[-800:]}")
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", done.stdout)
    latency = re.search(r"latency average = ([\d.]+) ms", done.stdout)
    count = re.search(r"number of transactions actually processed: (\d+)", done.stdout)
    if tps is None or count is None:
        raise RuntimeError(f"could not read pgbench's output:\n{done.stdout[-800:]}")
    return PgbenchResult(
        clients=clients,
        duration_s=seconds,
        tps=float(tps.group(1)),
        latency_avg_ms=float(latency.group(1)) if latency else None,
        transactions=int(count.group(1)),
    )
