"""Closed-loop HTTP load: N clients, each sending its next request when the last one ends.

The one load driver: the load lab's steps and references, the fault lab and the gateway
benchmark all drive their clients with ``drive`` (run_load is drive with the load lab's
totals). Each request is drawn from a weighted mix of routes. A response counts as served
when its status is the one the route should answer (an absent Pokémon's 404 is a correct
answer); anything else is an error, filed by kind. Writes (POST /teams, with a bearer token
and an Idempotency-Key each) are counted apart from the reads as well as in the totals.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp

from pokedex_local.dex import DEX_NUMBERS


@dataclass(frozen=True)
class RouteKind:
    name: str
    expected_status: int
    method: str = "GET"

    @property
    def writes(self) -> bool:
        return self.method != "GET"

    def body(self, rng: random.Random) -> str | None:
        if not self.writes:
            return None
        members = [rng.randint(1, DEX_NUMBERS) for _ in range(rng.randint(1, 6))]
        return json.dumps({"name": f"load {rng.randrange(10**6)}", "members": members})

    def path(self, rng: random.Random) -> str:
        if self.name == "write":
            return "/teams"
        if self.name == "list":
            return "/poke_info"
        if self.name == "get":
            return f"/poke_info/{rng.randint(1, DEX_NUMBERS)}"
        if self.name == "absent":
            return f"/poke_info/{rng.randint(2000, 9999)}"
        return "/poke_info/not-a-number"


KINDS = {
    "list": RouteKind("list", 200),
    "get": RouteKind("get", 200),
    "absent": RouteKind("absent", 404),
    "invalid": RouteKind("invalid", 400),
    # A new team for the lab's user: one transaction through the proxy per request.
    "write": RouteKind("write", 201, "POST"),
}
GET_ONLY = {"get": 1.0}  # GET /poke_info/{n}, n random among the seeded Pokémon


def writes_in(mix: dict[str, float]) -> bool:
    """Whether a mix sends writes (which need a bearer token)."""
    return any(KINDS[name].writes and weight > 0 for name, weight in mix.items())


def parse_mix(text: str) -> dict[str, float]:
    """'get=0.85,list=0.05,absent=0.05,invalid=0.05' → weights; names the bad part."""
    mix: dict[str, float] = {}
    for part in text.split(","):
        name, _, weight = part.partition("=")
        name = name.strip()
        if name not in KINDS:
            raise ValueError(f"unknown route kind {name!r} in --mix (known: {', '.join(KINDS)})")
        try:
            mix[name] = float(weight)
        except ValueError:
            raise ValueError(f"weight of {name!r} in --mix is not a number: {weight!r}") from None
        if mix[name] < 0:
            raise ValueError(f"weight of {name!r} in --mix is negative")
    if sum(mix.values()) <= 0:
        raise ValueError("--mix needs at least one positive weight")
    return mix


@dataclass(frozen=True)
class Answer:
    """One request and how it ended, timed on time.monotonic()."""

    sent: float
    done: float
    status: int  # 0: no HTTP answer at all (connection error, client timeout)
    retry_after: bool  # the answer carried Retry-After
    json: bool  # the answer's body was JSON
    kind: RouteKind = KINDS["get"]
    # What went wrong when more is known than the status: "client timeout",
    # "connection: <error>", "too many clients" (PostgreSQL's refusal, passed on).
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status == self.kind.expected_status

    @property
    def seconds(self) -> float:
        return self.done - self.sent

    @property
    def failure(self) -> str | None:
        """None for a served request, else the kind of error it is filed under."""
        if self.ok:
            return None
        return self.error or f"http {self.status}"


@dataclass
class LoadResult:
    concurrency: int
    wall_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    # Requests sent during the warm-up, kept apart from the measured figures.
    warmup_served: int = 0
    warmup_errors: Counter[str] = field(default_factory=Counter)
    # The measured window's writes, also counted in the totals above.
    writes_served: int = 0
    writes_failed: int = 0

    @property
    def served(self) -> int:
        return len(self.latencies_ms)

    @property
    def failed(self) -> int:
        return sum(self.errors.values())

    def count(self, answer: Answer, *, warming: bool) -> None:
        failure = answer.failure
        if failure is not None:
            (self.warmup_errors if warming else self.errors)[failure] += 1
        elif warming:
            self.warmup_served += 1
        else:
            self.latencies_ms.append(answer.seconds * 1000)
        if answer.kind.writes and not warming:
            if failure is None:
                self.writes_served += 1
            else:
                self.writes_failed += 1


async def drive(
    base_url: str,
    concurrency: int,
    mix: dict[str, float],
    on_answer: Callable[[Answer], None],
    *,
    running: Callable[[], bool],
    seed: int = 1,
    request_timeout_s: float = 35.0,
    authorization: str | None = None,
) -> None:
    """``concurrency`` clients, each sending its next request when its last one has ended,
    for as long as ``running()`` says; each answer goes to ``on_answer``. Client ``i``
    draws its requests from ``random.Random(seed * 100_003 + i)``: a run can be repeated.
    ``authorization`` (``Bearer <token>``) is sent with the writes, which need it."""
    if writes_in(mix) and not authorization:
        raise ValueError("a mix with writes needs a bearer token (authorization)")
    kinds = [KINDS[name] for name in mix]
    weights = list(mix.values())
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    timeout = aiohttp.ClientTimeout(total=request_timeout_s)

    async def client(index: int, session: aiohttp.ClientSession) -> None:
        rng = random.Random(seed * 100_003 + index)
        while running():
            kind = rng.choices(kinds, weights)[0]
            headers = write_headers(authorization) if kind.writes else None
            sent = time.monotonic()
            try:
                async with session.request(
                    kind.method, base_url + kind.path(rng), data=kind.body(rng), headers=headers
                ) as response:
                    body = await response.read()
                    answer = Answer(
                        sent,
                        time.monotonic(),
                        response.status,
                        "retry-after" in response.headers,
                        response.content_type == "application/json",
                        kind,
                        _refusal(response.status, kind, body),
                    )
            except TimeoutError:
                answer = Answer(sent, time.monotonic(), 0, False, False, kind, "client timeout")
            except aiohttp.ClientError as exc:
                error = f"connection: {type(exc).__name__}"
                answer = Answer(sent, time.monotonic(), 0, False, False, kind, error)
                await asyncio.sleep(0.05)  # don't spin on a refused connection
            on_answer(answer)

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(client(i, session) for i in range(concurrency)))


def _refusal(status: int, kind: RouteKind, body: bytes) -> str:
    if status != kind.expected_status and b"too many clients" in body[:300].lower():
        return "too many clients"
    return ""


async def run_load(
    base_url: str,
    concurrency: int,
    duration_s: float,
    mix: dict[str, float],
    *,
    seed: int = 1,
    request_timeout_s: float = 35.0,
    on_tick: Callable[[LoadResult, float], None] | None = None,
    warmup_s: float = 0.0,
    authorization: str | None = None,
) -> LoadResult:
    """Drive ``concurrency`` clients for ``warmup_s + duration_s``; in-flight requests are
    awaited. Only requests sent after the warm-up make the measured figures."""
    result = LoadResult(concurrency)
    started = time.monotonic()
    measured_from = started + warmup_s
    deadline = measured_from + duration_s

    def on_answer(answer: Answer) -> None:
        result.count(answer, warming=answer.sent < measured_from)

    async def ticker() -> None:
        while on_tick is not None:
            on_tick(result, time.monotonic() - started)
            await asyncio.sleep(0.5)

    ticking = asyncio.create_task(ticker())
    try:
        await drive(
            base_url,
            concurrency,
            mix,
            on_answer,
            running=lambda: time.monotonic() < deadline,
            seed=seed,
            request_timeout_s=request_timeout_s,
            authorization=authorization,
        )
    finally:
        ticking.cancel()
    # Throughput is over the measured window: the requests sent in it, over the time from
    # its start to the last answer (the drain of in-flight requests included).
    result.wall_s = time.monotonic() - measured_from
    return result


def write_headers(authorization: str | None) -> dict[str, str]:
    """A team write's headers: the bearer token, JSON, and an Idempotency-Key of its own."""
    return {
        "authorization": authorization or "",
        "content-type": "application/json",
        "idempotency-key": str(uuid.uuid4()),
    }
