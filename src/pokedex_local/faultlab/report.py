"""The fault lab's results: faults.json, faults.png and the tables in docs/reliability.md."""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pokedex import deadlines
from pokedex_local.faultlab.lab import Outcome
from pokedex_local.faultlab.scenarios import Params

BEGIN = "<!-- faults:begin (written by `make chaos`; edits between these lines are lost) -->"
END = "<!-- faults:end -->"


def document(outcomes: list[Outcome], params: Params) -> dict[str, Any]:
    return {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "params": asdict(params),
        "deadlines": {
            name: getattr(deadlines, name)
            for name in dir(deadlines)
            if name.isupper() and not name.startswith("_")
        },
        "results": [o.to_json() for o in outcomes],
    }


def write(doc: dict[str, Any], out: Path, docs: Path | None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "faults.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    chart(doc, out / "faults.png")
    if docs is not None and docs.exists():
        text = docs.read_text(encoding="utf-8")
        if BEGIN in text and END in text:
            head, rest = text.split(BEGIN, 1)
            tail = rest.split(END, 1)[1]
            docs.write_text(f"{head}{BEGIN}\n{markdown(doc)}\n{END}{tail}", encoding="utf-8")


def one_line(o: Outcome) -> str:
    m = o.observed.measured
    verdict = "" if not o.verdicts else ("  PASS" if o.passed else "  MISSED")
    return (
        f"  {o.via:6} {o.scenario.name:22} failed {m.failed:5d}  window {m.window_s:6.2f} s  "
        f"p99 during {_s(m.p99_during_s)}  recovery {m.recovery_s:.2f} s{verdict}"
    )


def markdown(doc: dict[str, Any]) -> str:
    """One table per scenario: the figures, proxy and direct, then each target's verdict."""
    by_scenario: dict[str, list[dict[str, Any]]] = {}
    for r in doc["results"]:
        by_scenario.setdefault(r["scenario"], []).append(r)
    parts = []
    for name, rows in by_scenario.items():
        parts.append(f"### {rows[0]['title']} (`{name}`)\n")
        parts.append(
            "| via | clients | requests | failed | error window | p99 during fault "
            "| slowest during fault | recovery after back | fault lasted |\n"
            "|---|---:|---:|---:|---|---:|---:|---:|---:|"
        )
        for r in rows:
            m = r["measured"]
            window = (
                "none"
                if m["first_failure_s"] is None
                else f"{m['first_failure_s']:+.2f} → {m['last_failure_s']:+.2f} s"
            )
            parts.append(
                f"| {r['via']} | {r['clients']} | {m['requests']:,} | {m['failed']:,} | {window} "
                f"| {_s(m['p99_during_s'])} | {_s(m['max_during_s'])} | {m['recovery_s']:.2f} s "
                f"| {m['window_s']:.2f} s |"
            )
        proxy = [r for r in rows if r["verdicts"]]
        if proxy:
            parts.append("\n| target (through the proxy) | measured | met |\n|---|---|---|")
            for v in proxy[0]["verdicts"]:
                parts.append(
                    f"| {v['target']} | {v['measured']} | {'yes' if v['passed'] else '**no**'} |"
                )
        statuses = "; ".join(
            f"{r['via']}: {r['measured']['failures_by_status'] or '{}'}" for r in rows
        )
        parts.append(f"\nFailures by status: {statuses}.")
        if rows[0].get("note"):
            parts.append(f"Note: {rows[0]['note']}.")
        parts.append("")
    return "\n".join(parts)


def chart(doc: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(r["scenario"] for r in doc["results"]))
    fig, axes = plt.subplots(len(names), 1, figsize=(10, 2.4 * len(names)), squeeze=False)
    for ax, name in zip(axes[:, 0], names, strict=True):
        for r in (r for r in doc["results"] if r["scenario"] == name):
            seconds = r["measured"]["seconds"]
            t = [s["t"] for s in seconds]
            style = "-" if r["via"] == "proxy" else ":"
            ax.plot(
                t, [s["ok"] for s in seconds], style, color="tab:green", label=f"{r['via']} ok/s"
            )
            ax.plot(
                t,
                [s["failed"] for s in seconds],
                style,
                color="tab:red",
                label=f"{r['via']} failed/s",
            )
            ax.axvspan(
                0, r["measured"]["window_s"], color="0.85" if r["via"] == "proxy" else "0.93"
            )
        ax.set_title(next(r["title"] for r in doc["results"] if r["scenario"] == name), fontsize=9)
        ax.set_ylabel("answers/s")
        ax.legend(fontsize=7, loc="upper right")
    axes[-1, 0].set_xlabel("seconds since the fault began (shaded: until the broken part was back)")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _s(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} s"
