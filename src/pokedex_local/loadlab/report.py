"""The lab's outputs: a summary table on the terminal, the JSON results, and a PNG chart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

MODE_STYLE = {"proxy": ("tab:blue", "through PgBouncer"), "direct": ("tab:red", "direct")}


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def summary_table(steps: list[dict[str, Any]]) -> Table:
    table = Table(title="Load lab: per step", header_style="bold")
    # READS=replica: where the API role's backends are, and who served the reads
    replica = any("reads_on_standby" in s for s in steps)
    # A mix with writes: POST /teams answered 201, and the writes that failed
    writes = any(s.get("writes_served") or s.get("writes_failed") for s in steps)
    for column in (
        "mode", "clients", "req/s", "p50 ms", "p95 ms", "p99 ms", "served", "failed",
        "errors", "warm-up failed", "PG backends (API)", "sv_active", "cl_waiting", "envs",
        "cold starts",
        *(("standby backends (API)", "reads writer/standby", "lag max B") if replica else ()),
        *(("writes ok", "writes failed") if writes else ()),
    ):  # fmt: skip
        table.add_column(column, justify="left" if column in ("mode", "errors") else "right")
    for s in steps:
        extra = (
            (
                str(s.get("max_standby_api_backends", "-")),
                f"{s.get('reads_on_writer', '-')}/{s.get('reads_on_standby', '-')}",
                str(s.get("max_replay_lag_bytes", "-")),
            )
            if replica
            else ()
        ) + ((str(s.get("writes_served", 0)), str(s.get("writes_failed", 0))) if writes else ())
        errors = ", ".join(f"{k}: {v}" for k, v in sorted(s["errors"].items())) or "-"
        table.add_row(
            s["mode"],
            str(s["concurrency"]),
            f"{s['throughput_rps']:.0f}",
            _ms(s["p50_ms"]),
            _ms(s["p95_ms"]),
            _ms(s["p99_ms"]),
            str(s["served"]),
            f"[red]{s['failed']}[/red]" if s["failed"] else "0",
            errors,
            str(s.get("warmup_failed", 0)),
            f"{s['max_backends']} ({s['max_api_backends']})",
            str(s["max_sv_active"]),
            str(s["max_cl_waiting"]),
            str(s["max_environments"]),
            str(s["cold_starts"]),
            *extra,
        )
    return table


def print_summary(console: Console, results: dict[str, Any]) -> None:
    console.print(summary_table(results["steps"]))
    refs = results.get("references", {})
    for name, ref in refs.items():
        console.print(f"reference {name}: {json.dumps(ref)}")
    for line in results.get("verdicts", []):
        console.print(line)


def write_json(path: Path, results: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


def write_chart(path: Path, results: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt

    steps = results["steps"]
    fig, axes = plt.subplots(2, 2, figsize=(12, 8.5), constrained_layout=True)
    (conn_ax, err_ax), (lat_ax, tput_ax) = axes
    for mode, (color, label) in MODE_STYLE.items():
        rows = [s for s in steps if s["mode"] == mode]
        if not rows:
            continue
        x = [s["concurrency"] for s in rows]
        on_writer = " on the writer" if any("reads_on_standby" in s for s in rows) else ""
        conn_ax.plot(x, [s["max_api_backends"] for s in rows], "o-", color=color,
                     label=f"{label}: open{on_writer}")  # fmt: skip
        conn_ax.plot(x, [s.get("max_api_busy", 0) for s in rows], "v:", color=color,
                     label=f"{label}: running a statement")  # fmt: skip
        if any("max_standby_api_backends" in s for s in rows):  # READS=replica
            conn_ax.plot(x, [s.get("max_standby_api_backends", 0) for s in rows], "D-.",
                         color=color, alpha=0.6, label=f"{label}: open on the standby")  # fmt: skip
        err_ax.plot(x, [100 * s["failed"] / max(1, s["served"] + s["failed"]) for s in rows],
                    "o-", color=color, label=label)  # fmt: skip
        lat_ax.plot(x, [s["p50_ms"] or float("nan") for s in rows], "o-", color=color,
                    label=f"{label} p50")  # fmt: skip
        lat_ax.plot(x, [s["p99_ms"] or float("nan") for s in rows], "s--", color=color,
                    label=f"{label} p99")  # fmt: skip
        tput_ax.plot(x, [s["throughput_rps"] for s in rows], "o-", color=color, label=label)
    limits = results.get("limits", {})
    if "max_connections" in limits:
        conn_ax.axhline(limits["max_connections"], color="gray", ls=":", label="max_connections")
    if "pool_size" in limits:
        conn_ax.axhline(limits["pool_size"], color="tab:green", ls="--", label="PgBouncer pool")
    replica = any("reads_on_standby" in s for s in steps)
    conn_ax.set_title(
        "API role's backends, writer and standby (max per step)"
        if replica
        else "PostgreSQL backends of the API role, open and busy (max per step)"
    )
    err_ax.set_title("failed requests (%)")
    lat_ax.set_title("latency of served requests (ms)")
    lat_ax.set_yscale("log")
    tput_ax.set_title("served requests per second")
    for ax in axes.flat:
        ax.set_xscale("log")
        ax.set_xlabel("concurrent clients")
        ax.set_xticks(sorted({s["concurrency"] for s in steps}))
        ax.get_xaxis().set_major_formatter(matplotlib.ticker.ScalarFormatter())
        ax.get_xaxis().set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(results.get("title", "Proxied Pokédex load lab"))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
