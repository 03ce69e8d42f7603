"""Nothing acknowledged is lost, nothing is written twice: team writes across crashes.

Writers POST new teams through the gateway, each with its own Idempotency-Key, and retry a
request whose outcome they could not see (a 5xx, a timeout, a dropped connection) with the
same key until it is answered 201, as a careful client would. Meanwhile the lab kills an
execution environment in the middle of an invocation and PostgreSQL with SIGKILL (the
supervisor restarts it; crash recovery replays the WAL). Then it counts, in the database
itself:

- **lost**: writes answered 201 whose team is not there;
- **duplicates**: writes present more than once (each write's name is unique);
- **unanswered**: writes still without a 201 when the run ended (their row may or may not
  exist; a client would keep retrying).

`make chaos` runs it at full length; `make test` a shortened run (tests/faults).

    python -m pokedex_local.faultlab.durability [--writers 16] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import psycopg

from pokedex_local.auth.token import bearer_minter
from pokedex_local.faultlab import faults
from pokedex_local.faultlab.faults import Target
from pokedex_local.faultlab.load import REQUEST_TIMEOUT_S
from pokedex_local.loadlab import stack as stacks
from pokedex_local.loadlab.driver import write_headers

# What --help says: a constant, since python -OO strips docstrings.
DESCRIPTION = "Nothing acknowledged is lost, nothing is written twice: team writes across crashes."

RETRY_PAUSE_S = 0.2
# A write not acknowledged after this long is given up and reported as unanswered.
GIVE_UP_S = 60.0


@dataclass
class Ledger:
    """What the writers saw: the names of the writes answered 201, and the others."""

    owners: list[str]
    acknowledged: dict[str, str] = field(default_factory=dict)  # name → team id
    unanswered: list[str] = field(default_factory=list)
    retries: int = 0
    answers: Counter[str] = field(default_factory=Counter)  # status or error → count


async def _write_one(
    session: aiohttp.ClientSession, base_url: str, auth: str, name: str, ledger: Ledger
) -> None:
    body = json.dumps({"name": name, "members": [25, 133]})
    headers = write_headers(auth)
    give_up = time.monotonic() + GIVE_UP_S
    while time.monotonic() < give_up:
        try:
            async with session.post(f"{base_url}/teams", data=body, headers=headers) as response:
                status = response.status
                answer = await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            ledger.answers[type(exc).__name__] += 1
        else:
            ledger.answers[str(status)] += 1
            if status == 201:
                ledger.acknowledged[name] = json.loads(answer)["id"]
                return
            if status < 500:
                raise RuntimeError(f"POST /teams answered {status}: {answer[:200]!r}")
        ledger.retries += 1
        await asyncio.sleep(RETRY_PAUSE_S)
    ledger.unanswered.append(name)


async def write_until(
    base_url: str, auths: dict[str, str], writers: int, seconds: float, ledger: Ledger
) -> None:
    """``writers`` clients, round-robin over the owners, writing for ``seconds``."""
    owners = list(auths)
    deadline = time.monotonic() + seconds
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)

    async def writer(index: int, session: aiohttp.ClientSession) -> None:
        owner = owners[index % len(owners)]
        sequence = 0
        while time.monotonic() < deadline:
            name = f"w{index}-{sequence}-{uuid.uuid4().hex[:6]}"
            sequence += 1
            await _write_one(session, base_url, auths[owner], name, ledger)

    async with aiohttp.ClientSession(timeout=timeout) as session:
        await asyncio.gather(*(writer(i, session) for i in range(writers)))


@dataclass(frozen=True)
class Count:
    acknowledged: int
    rows: int
    lost: list[str]
    duplicates: dict[str, int]
    unanswered: int
    unanswered_present: int
    retries: int
    answers: dict[str, int]
    faults: list[str]

    @property
    def passed(self) -> bool:
        return not self.lost and not self.duplicates

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "passed": self.passed}


def count(conninfo: str, ledger: Ledger, fault_notes: list[str]) -> Count:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT name, id::text FROM team WHERE owner = ANY(%s)", (ledger.owners,)
        ).fetchall()
    present: dict[str, int] = {}
    ids: dict[str, str] = {}
    for name, team_id in rows:
        present[name] = present.get(name, 0) + 1
        ids[name] = team_id
    lost = [
        name
        for name, team_id in ledger.acknowledged.items()
        if name not in present or ids[name] != team_id
    ]
    return Count(
        acknowledged=len(ledger.acknowledged),
        rows=len(rows),
        lost=lost,
        duplicates={name: n for name, n in present.items() if n > 1},
        unanswered=len(ledger.unanswered),
        unanswered_present=sum(1 for name in ledger.unanswered if name in present),
        retries=ledger.retries,
        answers=dict(sorted(ledger.answers.items())),
        faults=fault_notes,
    )


def run(
    target: Target,
    authorization: Callable[[str], str],
    *,
    writers: int = 16,
    seconds: float = 20.0,
    kill_postgres_at_s: float = 0.4,
    kill_environment_at_s: float = 0.2,
) -> Count:
    """Write for ``seconds``; kill an environment and PostgreSQL at the given fractions of
    the run; count. ``authorization(user)`` is a bearer header value for that user."""
    run_id = uuid.uuid4().hex[:8]
    owners = [f"durability-{run_id}-{n}" for n in range(4)]
    ledger = Ledger(owners)
    auths = {owner: authorization(owner) for owner in owners}
    notes: list[str] = []

    def inject() -> None:
        time.sleep(seconds * kill_environment_at_s)
        window = faults.kill_busy_environment(target)
        notes.append(f"environment killed mid-invocation ({window.note})")
        time.sleep(max(0.0, seconds * (kill_postgres_at_s - kill_environment_at_s)))
        window = faults.postgres_signal(target, signal.SIGKILL)
        notes.append(
            f"PostgreSQL SIGKILL, accepting logins again {window.back - window.began:.2f} s later"
        )

    async def main() -> None:
        injector = asyncio.create_task(asyncio.to_thread(inject))
        await write_until(target.stack.api_url, auths, writers, seconds, ledger)
        await injector

    asyncio.run(main())
    return count(target.owner_conninfo(), ledger, notes)


def render(result: Count) -> str:
    verdict = "PASSED" if result.passed else "FAILED"
    return (
        f"{verdict}: {result.acknowledged} writes acknowledged, {result.rows} rows present, "
        f"{len(result.lost)} lost, {len(result.duplicates)} duplicated; "
        f"{result.unanswered} unanswered ({result.unanswered_present} of them present); "
        f"{result.retries} retries; answers {result.answers}; faults: {'; '.join(result.faults)}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--state-dir", type=Path, default=Path(".local/durability"))
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/durability.json"))
    args = parser.parse_args(argv)
    if not 1 <= args.writers <= 500:
        parser.error("--writers must be between 1 and 500")
    if not 2 <= args.seconds <= 600:
        parser.error("--seconds must be between 2 and 600")
    args.state_dir.mkdir(parents=True, exist_ok=True)
    args.state_dir.chmod(0o711)
    stack = stacks.start("proxy", args.state_dir)
    try:
        target = Target(stack, args.state_dir)
        minter = bearer_minter(stack.description)
        result = run(target, minter, writers=args.writers, seconds=args.seconds)
    finally:
        stack.stop()
    print(render(result))
    document = {
        "command": "python -m pokedex_local.faultlab.durability " + " ".join(argv or sys.argv[1:]),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "writers": args.writers,
        "seconds": args.seconds,
        **result.as_dict(),
    }
    args.out.write_text(json.dumps(document, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main())
