"""The physical references the lab measures beside its steps, and its verdicts.

- pgbench through PgBouncer on the API's own query: the ceiling of the database tier.
- GET /poke_info/{n} alone through the whole stack at the same client count: what the
  target ratio (at least 30% of pgbench) compares against.
- the gateway with a no-op function: the ceiling of the HTTP tier and environments.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from rich.console import Console

from pokedex.function_spec import API_FUNCTION
from pokedex_local.event_loop import run as run_loop
from pokedex_local.gateway.child_process import GatewayProcess
from pokedex_local.loadlab import wrk
from pokedex_local.loadlab.driver import GET_ONLY, LoadResult, run_load
from pokedex_local.loadlab.pgbench import run_pgbench
from pokedex_local.loadlab.stack import RunningStack, StackError
from pokedex_local.percentile import percentiles

NOOP_HANDLER = "pokedex_local.loadlab.noop.handler"
TARGET_RATIO = 0.30


def _summary(result: LoadResult) -> dict[str, Any]:
    p50, p99 = percentiles(result.latencies_ms, [50, 99])
    return {
        "client": "python (aiohttp)",
        "clients": result.concurrency,
        "seconds": round(result.wall_s, 2),
        "served": result.served,
        "failed": result.failed,
        "errors": dict(result.errors),
        "throughput_rps": result.served / result.wall_s if result.wall_s else 0.0,
        "p50_ms": p50,
        "p99_ms": p99,
    }


def get_only(base_url: str, clients: int, seconds: float) -> dict[str, Any]:
    """GET /poke_info/{n} alone, with wrk when it is installed, else the lab's own client."""
    if wrk.available():
        return wrk.run_wrk(base_url, clients, seconds)
    return _summary(run_loop(run_load(base_url, clients, seconds, GET_ONLY)))


def _app_password(stack: RunningStack) -> str:
    name = stack.description["app_secret_name"]
    secret = json.loads(stack.secrets_client().get_secret_value(SecretId=name)["SecretString"])
    return str(secret["password"])


def database_and_api(
    stack: RunningStack, clients: int, seconds: float, console: Console
) -> dict[str, Any]:
    console.print(f"reference: GET /poke_info/{{n}} only, {clients} clients, {seconds:.0f} s")
    get_only(stack.api_url, clients, min(seconds, 5.0))  # warm-up: the environments start
    api = get_only(stack.api_url, clients, seconds)
    console.print(f"reference: pgbench through PgBouncer, {clients} clients, {seconds:.0f} s")
    bouncer = stack.endpoint("pgbouncer")
    bench = run_pgbench(
        host=bouncer["host"],
        port=int(bouncer["port"]),
        dbname=bouncer["dbname"],
        user=str(stack.description.get("app_user", API_FUNCTION.database_role)),
        password=_app_password(stack),
        clients=clients,
        seconds=max(1, round(seconds)),
    )
    return {
        "api_get_only": api,
        "pgbench_via_pgbouncer": vars(bench),
        "api_over_pgbench": api["throughput_rps"] / bench.tps if bench.tps else None,
    }


def noop_gateway(clients: int, seconds: float, console: Console) -> dict[str, Any]:
    console.print(f"reference: the gateway with a no-op function, {clients} clients")
    with tempfile.TemporaryDirectory(prefix="noop-gateway-") as tmp:
        try:
            gateway = GatewayProcess(Path(tmp), "--handler", NOOP_HANDLER, start_timeout_s=60)
        except RuntimeError as exc:
            raise StackError(f"the no-op gateway did not start: {exc}") from None
        try:
            return get_only(gateway.url.rstrip("/"), clients, seconds)
        finally:
            gateway.stop()


def verdicts(results: dict[str, Any]) -> list[str]:
    """One line per target of the lab: met or missed, with the figures."""
    lines = []
    steps = results["steps"]
    pool = results["limits"].get("pool_size")
    proxy = [s for s in steps if s["mode"] == "proxy"]
    if proxy:
        top = max(proxy, key=lambda s: s["concurrency"])
        # With a replica each server has its own pool of that size: the worst of the two.
        worst = max(max(s["max_api_backends"], s.get("max_standby_api_backends", 0)) for s in proxy)
        lost = sum(s["failed"] + s.get("warmup_failed", 0) for s in proxy)
        ok = lost == 0 and (pool is None or worst <= pool)
        lines.append(
            f"{'MET' if ok else 'MISSED'}: through PgBouncer up to {top['concurrency']} "
            f"clients, {lost} failed requests over every step, warm-ups included; "
            f"API backends peaked at {worst} (pool size {pool})"
        )
    direct = [s for s in steps if s["mode"] == "direct"]
    if direct:
        failing = [s for s in direct if s["failed"]]
        if failing:
            first = min(failing, key=lambda s: s["concurrency"])
            lines.append(
                f"SHOWN: direct mode fails from {first['concurrency']} clients "
                f"({first['failed']} failed; PostgreSQL refused "
                f"{sum(s['postgres_too_many_clients'] for s in direct)} logins as too many "
                f"clients; max_connections {results['limits'].get('max_connections')})"
            )
        else:
            lines.append("NOT SHOWN: direct mode had no failures at these client counts")
    ratio = results["references"].get("api_over_pgbench")
    if ratio is not None:
        lines.append(
            f"{'MET' if ratio >= TARGET_RATIO else 'MISSED'}: GET /poke_info/{{n}} end to end "
            f"runs at {ratio:.1%} of pgbench through PgBouncer (target {TARGET_RATIO:.0%})"
        )
    return lines
