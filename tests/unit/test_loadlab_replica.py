"""The load lab's figures with a replica: who served the reads, where the backends were."""

from __future__ import annotations

from pokedex_local.loadlab.report import summary_table
from pokedex_local.loadlab.sampler import Window
from pokedex_local.loadlab.steps import replica_figures


def sample(writer_scans: int, standby_scans: int) -> dict[str, int]:
    return {"writer_scans": writer_scans, "standby_scans": standby_scans}


def test_reads_served_are_the_scan_counters_differences_over_the_step() -> None:
    window = Window(max_standby_api_backends=7, max_standby_api_busy=2, max_replay_lag_bytes=96)
    window.series = [sample(10, 100), sample(12, 400), sample(15, 900)]
    figures = replica_figures(window)
    assert (figures["reads_on_writer"], figures["reads_on_standby"]) == (5, 800)
    assert (figures["max_standby_api_backends"], figures["max_replay_lag_bytes"]) == (7, 96)


def test_without_a_standby_there_are_no_replica_figures() -> None:
    window = Window()
    window.series = [{"backends": 3}]
    assert replica_figures(window) == {}


def step(**extra: object) -> dict[str, object]:
    return {
        "mode": "proxy", "concurrency": 10, "throughput_rps": 100.0, "p50_ms": 1.0,
        "p95_ms": 2.0, "p99_ms": 3.0, "served": 1000, "failed": 0, "errors": {},
        "max_backends": 4, "max_api_backends": 0, "max_sv_active": 0, "max_cl_waiting": 0,
        "max_environments": 10, "cold_starts": 10, **extra,
    }  # fmt: skip


def test_the_table_gets_the_standby_columns_only_with_a_replica() -> None:
    plain = summary_table([step()])
    assert "standby backends (API)" not in [c.header for c in plain.columns]
    replica = summary_table(
        [step(max_standby_api_backends=9, reads_on_writer=0, reads_on_standby=950)]
    )
    headers = [c.header for c in replica.columns]
    assert "standby backends (API)" in headers
    reads = replica.columns[headers.index("reads writer/standby")]
    assert list(reads.cells) == ["0/950"]
