"""One simulated execution environment: import a handler (cold init), then invoke it.

Run by bench_handler.py in a fresh interpreter per sample, so every import is a real cold
start. Prints one JSON object: init, first-invocation and warm durations in ms, and the
process's unshared memory after the first invocation.
"""

import importlib
import json
import sys
import time
from pathlib import Path
from types import SimpleNamespace

from pokedex_local.dex import DEX_NUMBERS


def smaps_rollup(pid: int | str = "self") -> dict[str, int]:
    """The kB fields of /proc/<pid>/smaps_rollup (Rss, Pss, Private_Clean, ...)."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_ = line.split()
        fields[name.rstrip(":")] = int(value)
    return fields


def unshared_kib() -> int:
    fields = smaps_rollup()
    return fields["Private_Clean"] + fields["Private_Dirty"]


def main(module_name: str, warm_calls: int) -> None:
    event = json.loads((Path(__file__).parents[1] / "tests/events/list_pokemon.json").read_text())
    context = SimpleNamespace(aws_request_id="bench")
    started = time.perf_counter()
    module = importlib.import_module(module_name)
    init_ms = (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    response = module.handler(event, context)
    first_ms = (time.perf_counter() - started) * 1000
    if response["statusCode"] != 200 or len(json.loads(response["body"])) != DEX_NUMBERS:
        raise SystemExit(
            f"{module_name} answered {response['statusCode']}: {response['body'][:200]}"
        )
    uss = unshared_kib()

    warm = []
    for _ in range(warm_calls):
        started = time.perf_counter()
        module.handler(event, context)
        warm.append((time.perf_counter() - started) * 1000)
    print(json.dumps({"init_ms": init_ms, "first_ms": first_ms, "warm_ms": warm, "uss_kib": uss}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
