"""CPU per request of each part of a running stack, under wrk at a given client count.

    uv run python benchmarks/cpu_per_request.py .local/stack.json [SECONDS] [CLIENTS]

Reads utime+stime from /proc/<pid>/stat of the gateway, the fork server, the environments
(the fork server's descendants), PostgreSQL (the postmaster and its backends), PgBouncer
and the Secrets Manager endpoint, before and after a wrk run on GET /poke_info/25 (after a
5 s warm-up), and divides by the requests served. MODE=user or MODE=sys splits the figure.
Environments that end during the run take their CPU with them: run it on a warm stack.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")
MODE = os.environ.get("MODE", "all")


def processes() -> tuple[dict[int, int], dict[int, float]]:
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        user, system = int(fields[11]), int(fields[12])
        ticks = {"all": user + system, "user": user, "sys": system}[MODE]
        parents[int(entry)], cpu[int(entry)] = int(fields[1]), ticks / TICK
    return parents, cpu


def family(root: int, parents: dict[int, int]) -> set[int]:
    found, frontier = {root}, {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def snapshot(pids: dict[str, int]) -> dict[str, float]:
    parents, cpu = processes()
    fork_server = pids["fork_server"]
    groups = {
        "gateway": {pids["gateway"]},
        "fork server": {fork_server},
        "environments": family(fork_server, parents) - {fork_server},
        "PostgreSQL": family(pids["postgres"], parents),
        "PgBouncer": {pids["pgbouncer"]},
        "Secrets Manager": {pids["secrets"]},
    }
    return {name: sum(cpu.get(pid, 0.0) for pid in group) for name, group in groups.items()}


def wrk(url: str, clients: int, seconds: int) -> int:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{clients}", f"-d{seconds}s", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return int(next(line for line in out.splitlines() if "requests in" in line).split()[0])


def main() -> None:
    with open(sys.argv[1]) as description:
        stack = json.load(description)
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    clients = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    url = stack["api_url"] + "/poke_info/25"
    wrk(url, clients, 5)
    before, began = snapshot(stack["pids"]), time.monotonic()
    served = wrk(url, clients, seconds)
    after, elapsed = snapshot(stack["pids"]), time.monotonic() - began
    print(f"{clients} clients: {served / elapsed:.0f} req/s; CPU per request ({MODE}):")
    for name in before:
        print(f"  {name:16s} {1e6 * (after[name] - before[name]) / served:6.0f} us")
    print(f"  {'total':16s} {1e6 * sum(after[k] - before[k] for k in before) / served:6.0f} us")


if __name__ == "__main__":
    main()
