"""One mode's ramp: a load step per concurrency level, sampled and recorded."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from pokedex.function_spec import API_FUNCTION
from pokedex_local.event_loop import run as run_loop
from pokedex_local.gateway.server import ADMIN_PATH
from pokedex_local.loadlab.driver import LoadResult, run_load
from pokedex_local.loadlab.sampler import Sampler, Window
from pokedex_local.loadlab.stack import RunningStack
from pokedex_local.percentile import percentiles

TOO_MANY = b"too many clients already"


def log_size(path: Path | None) -> int:
    try:
        return path.stat().st_size if path else 0
    except OSError:
        return 0


def refusals_since(path: Path | None, offset: int) -> int:
    """How many logins PostgreSQL refused as "too many clients" since ``offset``."""
    if path is None:
        return 0
    try:
        with path.open("rb") as log:
            log.seek(offset)
            return log.read().count(TOO_MANY)
    except OSError:
        return 0


def sampler_for(stack: RunningStack, interval_s: float) -> Sampler:
    proxy = stack.mode == "proxy"
    return Sampler(
        stack.conninfo("postgres"),
        str(stack.description.get("app_user", API_FUNCTION.database_role)),
        pgbouncer_admin_conninfo=stack.conninfo("pgbouncer", dbname="pgbouncer") if proxy else None,
        pool_database=str(stack.endpoint("postgres")["dbname"]),
        # ?brief: counters without the list of a thousand environments, polled under load.
        environments_url=stack.api_url + ADMIN_PATH + "?brief",
        interval_s=interval_s,
        # READS=replica: the standby's side too (its backends, the lag, who served reads)
        standby_conninfo=stack.conninfo("standby") if "standby" in stack.description else None,
    )


def record(
    mode: str,
    result: LoadResult,
    window: Window,
    envs_before: dict[str, Any],
    envs_after: dict[str, Any],
    refusals: int,
) -> dict[str, Any]:
    errors: Counter[str] = Counter(result.errors)
    p50, p95, p99 = percentiles(result.latencies_ms, [50, 95, 99])
    return {
        "mode": mode,
        "concurrency": result.concurrency,
        "wall_s": round(result.wall_s, 2),
        "served": result.served,
        "failed": result.failed,
        "throughput_rps": result.served / result.wall_s if result.wall_s else 0.0,
        "p50_ms": p50,
        "p95_ms": p95,
        "p99_ms": p99,
        "errors": dict(errors),
        "writes_served": result.writes_served,
        "writes_failed": result.writes_failed,
        "warmup_served": result.warmup_served,
        "warmup_failed": sum(result.warmup_errors.values()),
        "warmup_errors": dict(result.warmup_errors),
        "postgres_too_many_clients": refusals,
        "max_backends": window.max_backends,
        "max_api_backends": window.max_api_backends,
        "max_api_busy": window.max_api_busy,
        "max_cl_active": window.max_cl_active,
        "max_cl_waiting": window.max_cl_waiting,
        "max_sv_active": window.max_sv_active,
        "max_environments": max(window.max_environments, int(envs_after.get("alive", 0) or 0)),
        "cold_starts": int(envs_after.get("cold_starts", 0) or 0)
        - int(envs_before.get("cold_starts", 0) or 0),
        "throttles": int(envs_after.get("throttles", 0) or 0)
        - int(envs_before.get("throttles", 0) or 0),
        **replica_figures(window),
        "samples": window.series,
        "sampler_errors": window.errors[:5],
    }


def replica_figures(window: Window) -> dict[str, Any]:
    """With a replica: the API role's backends on the standby beside the writer's, the
    worst replay lag, and the Pokédex reads each server served during the step (the
    difference of its scan counter between the first and the last sample)."""
    with_standby = [s for s in window.series if "standby_scans" in s]
    if not with_standby:
        return {}
    first, last = with_standby[0], with_standby[-1]
    return {
        "max_standby_api_backends": window.max_standby_api_backends,
        "max_standby_api_busy": window.max_standby_api_busy,
        "max_replay_lag_bytes": window.max_replay_lag_bytes,
        "reads_on_writer": last["writer_scans"] - first["writer_scans"],
        "reads_on_standby": last["standby_scans"] - first["standby_scans"],
    }


def run_steps(
    stack: RunningStack,
    concurrencies: list[int],
    seconds: float,
    mix: dict[str, float],
    console: Console,
    sample_interval_s: float = 1.0,
    warmup_s: float = 0.0,
    authorization: str | None = None,
) -> list[dict[str, Any]]:
    records = []
    pg_log = stack.postgres_log()
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with (
        sampler_for(stack, sample_interval_s) as sampler,
        Progress(*columns, console=console) as progress,
    ):
        total = warmup_s + seconds
        for concurrency in concurrencies:
            task = progress.add_task(f"{stack.mode} × {concurrency}", total=total)

            def tick(
                result: LoadResult, elapsed: float, task: Any = task, c: int = concurrency
            ) -> None:
                phase = "warming up" if elapsed < warmup_s else "measuring"
                progress.update(
                    task,
                    completed=min(elapsed, total),
                    description=(
                        f"{stack.mode} × {c} {phase}: served {result.served}, failed "
                        f"{result.failed} (in warm-up {sum(result.warmup_errors.values())})"
                    ),
                )

            before = sampler.environment_summary()
            offset = log_size(pg_log)
            sampler.take()
            result = run_loop(
                run_load(
                    stack.api_url,
                    concurrency,
                    seconds,
                    mix,
                    on_tick=tick,
                    warmup_s=warmup_s,
                    authorization=authorization,
                )
            )
            window = sampler.take()
            after = sampler.environment_summary()
            records.append(
                record(stack.mode, result, window, before, after, refusals_since(pg_log, offset))
            )
            progress.update(task, completed=total)
            time.sleep(1.0)  # let the pools settle between steps
    return records
