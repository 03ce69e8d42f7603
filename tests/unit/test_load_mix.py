"""The load lab's mix of routes: parsed with clear errors, drawn as each kind says."""

from __future__ import annotations

import asyncio
import json
import random

import pytest
from aiohttp import web

from pokedex_local.dex import DEX_NUMBERS
from pokedex_local.loadlab.driver import (
    KINDS,
    Answer,
    LoadResult,
    parse_mix,
    run_load,
    writes_in,
)


def test_a_mix_is_parsed_into_weights() -> None:
    assert parse_mix("get=0.85, list=0.05,absent=0.05,invalid=0.05") == {
        "get": 0.85,
        "list": 0.05,
        "absent": 0.05,
        "invalid": 0.05,
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("get=1,fetch=1", "unknown route kind 'fetch'"),
        ("get=lots", "weight of 'get' in --mix is not a number: 'lots'"),
        ("get=1,list=-0.5", "weight of 'list' in --mix is negative"),
        ("get=0,list=0", "at least one positive weight"),
    ],
)
def test_a_bad_mix_is_refused_naming_the_bad_part(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_mix(text)


def test_only_a_positive_write_weight_makes_a_mix_write() -> None:
    assert writes_in({"get": 1.0, "write": 0.1})
    assert not writes_in({"get": 1.0, "write": 0.0})
    assert not writes_in({"get": 1.0, "list": 1.0, "absent": 1.0, "invalid": 1.0})


def test_each_kind_asks_what_its_expected_status_answers() -> None:
    rng = random.Random(3)
    for _ in range(200):
        n = int(KINDS["get"].path(rng).removeprefix("/poke_info/"))
        assert 1 <= n <= DEX_NUMBERS  # a seeded Pokémon: 200
        absent = int(KINDS["absent"].path(rng).removeprefix("/poke_info/"))
        assert absent > DEX_NUMBERS  # no such Pokémon: 404
    assert KINDS["list"].path(rng) == "/poke_info"
    assert not KINDS["invalid"].path(rng).removeprefix("/poke_info/").isdigit()  # 400
    assert [KINDS[k].expected_status for k in ("get", "list", "absent", "invalid")] == [
        200,
        200,
        404,
        400,
    ]


def test_only_writes_have_a_body_and_it_is_a_valid_team() -> None:
    rng = random.Random(5)
    assert all(KINDS[k].body(rng) is None for k in ("get", "list", "absent", "invalid"))
    write = KINDS["write"]
    assert (write.method, write.path(rng), write.expected_status) == ("POST", "/teams", 201)
    for _ in range(100):
        team = json.loads(write.body(rng) or "")
        assert team["name"]
        assert 1 <= len(team["members"]) <= 6
        assert all(1 <= member <= DEX_NUMBERS for member in team["members"])


def test_the_same_seed_draws_the_same_requests() -> None:
    def draws(seed: int) -> list[str]:
        rng = random.Random(seed)
        return [KINDS["get"].path(rng) for _ in range(20)]

    assert draws(1) == draws(1)
    assert draws(1) != draws(2)


async def _serve(paths: list[str]) -> tuple[web.AppRunner, str]:
    """A real HTTP server on a free port answering each route kind its expected status,
    except POST /teams, which it refuses (500)."""

    async def answer(request: web.Request) -> web.Response:
        paths.append(request.path)
        tail = request.path.removeprefix("/poke_info").removeprefix("/")
        if request.method == "POST":
            return web.Response(status=500)
        if not tail:
            return web.Response(status=200)
        if not tail.isdigit():
            return web.Response(status=400)
        return web.Response(status=200 if int(tail) <= DEX_NUMBERS else 404)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}"


def test_the_driver_draws_the_mix_in_its_proportions_and_counts_wrong_answers() -> None:
    async def scenario() -> tuple[list[str], LoadResult]:
        paths: list[str] = []
        runner, url = await _serve(paths)
        try:
            mix = {"get": 3.0, "list": 1.0, "write": 0.5}
            result = await run_load(url, 4, 0.5, mix, authorization="Bearer t")
        finally:
            await runner.cleanup()
        return paths, result

    paths, result = asyncio.run(scenario())
    lists = paths.count("/poke_info")
    writes = paths.count("/teams")
    gets = len(paths) - lists - writes
    assert len(paths) > 500
    assert 0.62 < gets / len(paths) < 0.72  # 3 of 4.5
    assert 0.17 < lists / len(paths) < 0.27  # 1 of 4.5
    # The refused writes are errors, filed by status, counted apart as well; the rest served.
    assert result.errors == {"http 500": writes}
    assert result.writes_failed == writes
    assert result.writes_served == 0
    assert result.served == gets + lists


def test_a_mix_with_writes_needs_a_token() -> None:
    with pytest.raises(ValueError, match="needs a bearer token"):
        asyncio.run(run_load("http://127.0.0.1:9", 1, 0.1, {"write": 1.0}))


def test_an_answer_is_served_only_with_its_kinds_status_and_else_filed_by_kind() -> None:
    def answer(status: int, kind: str = "get", error: str = "") -> Answer:
        return Answer(1.0, 1.25, status, False, status != 0, KINDS[kind], error)

    assert answer(200).failure is None
    assert answer(404, "absent").failure is None
    assert answer(200, "absent").failure == "http 200"
    assert answer(503).failure == "http 503"
    assert answer(500, error="too many clients").failure == "too many clients"
    assert answer(0, error="client timeout").failure == "client timeout"
    assert answer(200).seconds == 0.25
