"""How the authorizer finds and caches the issuer's keys (gateway/jwt_keys.py), against a
fake issuer that counts what it is asked."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from pokedex_local.auth.issuer import LocalIssuer
from pokedex_local.gateway import jwt_keys
from pokedex_local.gateway.jwt_keys import IssuerKeys, KeysUnavailable

ISSUER = "https://issuer.example"


class FakeIssuer:
    def __init__(self) -> None:
        self.signers = [LocalIssuer.ephemeral()]
        self.fetched: list[str] = []

    async def fetch(self, url: str) -> Any:
        self.fetched.append(url)
        if url == ISSUER + "/.well-known/openid-configuration":
            return {"issuer": ISSUER, "jwks_uri": ISSUER + "/keys"}
        if url == ISSUER + "/keys":
            return {"keys": [key for s in self.signers for key in s.jwks()["keys"]]}
        raise OSError(f"404 {url}")


def test_keys_come_through_the_discovery_document_and_are_cached() -> None:
    issuer = FakeIssuer()
    keys = IssuerKeys(ISSUER, issuer.fetch)
    kid = issuer.signers[0].kid
    found = asyncio.run(keys.key(kid))
    assert found is not None
    assert found[1] == "RS256"
    assert asyncio.run(keys.key(kid)) is not None
    assert issuer.fetched == [ISSUER + "/.well-known/openid-configuration", ISSUER + "/keys"]


def test_requests_arriving_during_the_first_fetch_wait_for_its_keys() -> None:
    # A cold gateway hit by many authenticated requests at once: one fetch, all served.
    issuer = FakeIssuer()

    async def slow_fetch(url: str) -> Any:
        await asyncio.sleep(0.05)
        return await issuer.fetch(url)

    keys = IssuerKeys(ISSUER, slow_fetch)
    kid = issuer.signers[0].kid

    async def many() -> list[Any]:
        return await asyncio.gather(*(keys.key(kid) for _ in range(16)))

    assert all(found is not None for found in asyncio.run(many()))
    assert len(issuer.fetched) == 2


def test_an_unknown_kid_refetches_at_most_once_per_interval(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(jwt_keys.time, "monotonic", lambda: clock[0])
    issuer = FakeIssuer()
    keys = IssuerKeys(ISSUER, issuer.fetch)
    asyncio.run(keys.key(issuer.signers[0].kid))
    # Given the issuer rotates in a new key
    issuer.signers.append(LocalIssuer.ephemeral())
    new_kid = issuer.signers[1].kid
    # When tokens with unknown kids arrive right after the last fetch, nothing is fetched
    assert asyncio.run(keys.key("made-up")) is None
    assert asyncio.run(keys.key(new_kid)) is None
    assert len(issuer.fetched) == 2
    # Then once the interval has passed, an unknown kid refetches and finds the new key
    clock[0] += jwt_keys.REFETCH_INTERVAL_S + 1
    assert asyncio.run(keys.key(new_kid)) is not None
    assert len(issuer.fetched) == 4
    # And the whole set is refreshed when the cache's two hours are over
    clock[0] += jwt_keys.CACHE_TTL_S + 1
    asyncio.run(keys.key(new_kid))
    assert len(issuer.fetched) == 6


def test_an_unreachable_issuer_is_reported() -> None:
    async def down(url: str) -> Any:
        raise OSError("connection refused")

    with pytest.raises(KeysUnavailable, match="connection refused"):
        asyncio.run(IssuerKeys(ISSUER, down).key("any"))
