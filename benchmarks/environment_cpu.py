"""The function's CPU per invocation with N environments side by side, without the gateway.

    uv run python benchmarks/environment_cpu.py .local/stack.json [--seconds 6]
        [--environments 10 100] [--request-log direct logging off] [--repeat 3]

For each count N and each way of writing the per-request log line, N forked processes
import the handler with the running stack's function environment (stack.json's
``function.env``), warm up, then each runs the runtime's invoke (the event decoded, the
handler, the response encoded as a frame) on GET /poke_info/25 in a loop for SECONDS
against the stack's PgBouncer. It prints invocations per second and the CPU the
environments spent per invocation (their utime+stime), and writes
benchmarks/results/environment_cpu.json.

It isolates what the environments cost from what the gateway costs: on two cores a
hundred environments each spend about twice the CPU per invocation that ten do, because
each runs on caches the others have just filled; the per-request log line written through
logging's records, handlers and formatter ("logging") costs several times its in-process
price there, which is why the handler writes it directly ("direct", pokedex/observability.py).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from gateway_measures import poke_info_event
from pokedex_local.lambda_env import protocol

RESULTS = Path(__file__).resolve().parent / "results"
# Written out, not read from the docstring: python -OO strips that, and --help must still say this.
DESCRIPTION = (
    "The function's CPU per invocation with N environments side by side, without the"
    " gateway, against the running stack's PgBouncer."
)
DEX_NUMBER = 25


class _Discard:
    """Where the response frames go: the gateway's socket is not part of this measure."""

    def write(self, data: bytes) -> int:
        return len(data)

    def flush(self) -> None:
        pass


def _through_logging(handler: Any) -> None:
    """The way the handler wrote its line before: logger.info with extra= fields."""

    def log_info_line(logger: logging.Logger, message: str, fields: dict[str, Any]) -> None:
        logger.info(message, extra=fields)

    handler.log_info_line = log_info_line


def _environment(payload: bytes, request_log: str, seconds: float, ready: int, out: int) -> None:
    from pokedex import handler
    from pokedex_local.lambda_env import runtime

    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the log lines go nowhere
    if request_log == "logging":
        _through_logging(handler)
    elif request_log == "off":
        handler.logger.setLevel(logging.WARNING)
    sink = _Discard()
    for _ in range(50):  # the first connects; the rest warm the code paths
        runtime._invoke(sink, handler.handler, "warm", payload, time.monotonic() + 30)
    os.write(ready, b".")
    time.sleep(1.0)  # every environment warm before any is measured
    started_cpu, started = time.process_time(), time.monotonic()
    count = 0
    while time.monotonic() - started < seconds:
        runtime._invoke(sink, handler.handler, "bench", payload, time.monotonic() + 30)
        count += 1
    os.write(out, json.dumps([count, time.process_time() - started_cpu]).encode().ljust(64))


def measure(count: int, request_log: str, seconds: float, payload: bytes) -> dict[str, Any]:
    ready_r, ready_w = os.pipe()
    out_r, out_w = os.pipe()
    pids = []
    for _ in range(count):
        pid = os.fork()
        if pid == 0:
            try:
                _environment(payload, request_log, seconds, ready_w, out_w)
            finally:
                os._exit(0)
        pids.append(pid)
    os.close(ready_w)
    os.close(out_w)
    got = b""
    while len(got) < count:
        chunk = os.read(ready_r, count)
        if not chunk:
            raise SystemExit("an environment died while warming up (is the stack running?)")
        got += chunk
    raw = b""
    while chunk := os.read(out_r, 65536):
        raw += chunk
    for pid in pids:
        os.waitpid(pid, 0)
    results = [json.loads(raw[i : i + 64]) for i in range(0, len(raw), 64)]
    if len(results) != count:
        raise SystemExit(f"{count - len(results)} environments did not report")
    invocations = sum(n for n, _ in results)
    cpu_s = sum(c for _, c in results)
    return {
        "environments": count,
        "request_log": request_log,
        "invocations_per_s": round(invocations / seconds),
        "cpu_us_per_invocation": round(cpu_s / invocations * 1e6, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("stack_json", type=Path)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--environments", type=int, nargs="+", default=[10, 100])
    parser.add_argument(
        "--request-log", nargs="+", default=["direct", "logging"],
        choices=["direct", "logging", "off"],
    )  # fmt: skip
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", type=Path, default=RESULTS / "environment_cpu.json")
    args = parser.parse_args()
    function = json.loads(args.stack_json.read_text())["function"]
    os.environ.update(function["env"])
    os.environ["_HANDLER"] = function["handler"]
    payload = protocol.compact_json(poke_info_event(DEX_NUMBER)).encode()  # as the gateway sends it
    runs = []
    for count in args.environments:
        for request_log in args.request_log:
            samples = [
                measure(count, request_log, args.seconds, payload) for _ in range(args.repeat)
            ]
            median = statistics.median(s["cpu_us_per_invocation"] for s in samples)
            rate = statistics.median(s["invocations_per_s"] for s in samples)
            each = ", ".join(str(s["cpu_us_per_invocation"]) for s in samples)
            print(
                f"{count:4d} environments, request log {request_log:8s}: {rate:6.0f} "
                f"invocations/s, {median:6.1f} us CPU per invocation (runs: {each})"
            )
            runs.append(
                {**samples[0], "cpu_us_per_invocation": median, "invocations_per_s": rate,
                 "samples": samples}
            )  # fmt: skip
    args.output.write_text(
        json.dumps(
            {"seconds": args.seconds, "path": f"/poke_info/{DEX_NUMBER}", "runs": runs}, indent=2
        )
        + "\n"
    )
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
