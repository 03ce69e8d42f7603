"""What READS=replica costs and how far the standby falls behind: the figures in
docs/local-runtime.md ("Read replica").

Starts the local tier three times without and three times with the replica (timing
``LocalTier.start()``, and the standby's own creation, ``standby_ready_s``), then on the
last one writes on the primary from four connections for ten seconds (rows of 200 bytes,
ten per commit, autocommit) while sampling the standby's replay lag from
``pg_stat_replication`` every 0.2 s. Prints the figures and writes them to
benchmarks/results/replica.json.

    make bench-replica   (uv run --frozen python benchmarks/bench_replica.py)
"""

from __future__ import annotations

import json
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psycopg

from pokedex_local.tier import LocalTier
from pokedex_local.tier.standby import replication_lag

OUT = Path(__file__).parent / "results" / "replica.json"
STARTS = 3
WRITERS = 4
WRITE_S = 10.0


def started(reads: str) -> tuple[LocalTier, float, Path]:
    home = Path(tempfile.mkdtemp(prefix="pokedex-bench-"))
    home.chmod(0o711)  # the service account must reach it when run as root
    begun = time.monotonic()
    tier = LocalTier(home, reads=reads).start()
    return tier, time.monotonic() - begun, home


def write_load(conninfo: str, stop: threading.Event, commits: list[int]) -> None:
    done = 0
    with psycopg.connect(conninfo, autocommit=True) as conn:
        while not stop.is_set():
            conn.execute(
                "INSERT INTO bench_writes (payload)"
                " SELECT repeat('x', 200) FROM generate_series(1, 10)"
            )
            done += 1
    commits.append(done)


def lag_under_writes(tier: LocalTier) -> dict[str, Any]:
    conninfo = tier.postgres.conninfo(sslmode="disable")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_writes (id bigserial PRIMARY KEY, payload text)")
    stop, commits = threading.Event(), []
    writers = [
        threading.Thread(target=write_load, args=(conninfo, stop, commits)) for _ in range(WRITERS)
    ]
    for writer in writers:
        writer.start()
    samples = []
    with psycopg.connect(conninfo, autocommit=True) as conn:
        end = time.monotonic() + WRITE_S
        while time.monotonic() < end:
            samples.append(replication_lag(conn))
            time.sleep(0.2)
    stop.set()
    for writer in writers:
        writer.join()
    lag_bytes = [s["replay_lag_bytes"] for s in samples if s["replay_lag_bytes"] is not None]
    lag_s = [s["replay_lag_s"] for s in samples if s["replay_lag_s"] is not None]
    print(
        f"writes: {sum(commits):,} commits of 10 rows in {WRITE_S:.0f} s from {WRITERS} connections"
    )
    print(
        f"replay lag: median {statistics.median(lag_bytes):,.0f} B, max {max(lag_bytes):,} B;"
        f" median {statistics.median(lag_s) * 1000:.2f} ms, max {max(lag_s) * 1000:.1f} ms"
        f" ({len(samples)} samples, states {sorted({s['state'] for s in samples})})"
    )
    return {
        "commits_of_10_rows": sum(commits),
        "write_seconds": WRITE_S,
        "writers": WRITERS,
        "replay_lag_bytes": {"median": statistics.median(lag_bytes), "max": max(lag_bytes)},
        "replay_lag_ms": {
            "median": statistics.median(lag_s) * 1000,
            "max": max(lag_s) * 1000,
        },
        "samples": len(samples),
    }


def main() -> None:
    starts: dict[str, list[float]] = {"writer": [], "replica": []}
    standby_s: list[float] = []
    last: tuple[LocalTier, Path] | None = None
    for round_ in range(STARTS):
        for reads in ("writer", "replica"):
            tier, took, home = started(reads)
            starts[reads].append(took)
            if tier.replica is not None and tier.replica.ready_s is not None:
                standby_s.append(tier.replica.ready_s)
            if reads == "replica" and round_ == STARTS - 1:
                last = (tier, home)
            else:
                tier.stop()
                shutil.rmtree(home, ignore_errors=True)
    for reads, times in starts.items():
        print(
            f"tier start, reads={reads}: median {statistics.median(times):.2f} s"
            f" ({', '.join(f'{t:.2f}' for t in times)})"
        )
    print(f"standby created in {', '.join(f'{t:.2f}' for t in standby_s)} s")
    assert last is not None
    tier, home = last
    try:
        lag = lag_under_writes(tier)
    finally:
        tier.stop()
        shutil.rmtree(home, ignore_errors=True)
    results = {
        "command": "make bench-replica",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "tier_start_s": {reads: times for reads, times in starts.items()},
        "standby_created_s": standby_s,
        "lag_under_writes": lag,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
