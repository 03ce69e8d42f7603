"""The issuer's signing keys as a JWT authorizer finds them: its discovery document
(``{issuer}/.well-known/openid-configuration``) names ``jwks_uri``, which lists the keys.

Cached for two hours (AWS: "API Gateway can cache the public key for two hours"); a token
signed by a key id not in the cache refetches the set at once (a rotated key), but no
more often than once per REFETCH_INTERVAL_S, so a stream of tokens with made-up key ids
cannot turn the gateway into a load generator against the issuer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from cryptography.hazmat.primitives.asymmetric import rsa

from pokedex_local.auth import jws
from pokedex_local.auth.issuer import DISCOVERY_SUFFIX

logger = logging.getLogger(__name__)

CACHE_TTL_S = 2 * 3600.0
REFETCH_INTERVAL_S = 30.0
FETCH_TIMEOUT_S = 5.0

Fetch = Callable[[str], Awaitable[Any]]


class KeysUnavailable(Exception):
    """The discovery document or the key set could not be fetched or read."""


class IssuerKeys:
    def __init__(self, issuer: str, fetch: Fetch | None = None) -> None:
        self.issuer = issuer.rstrip("/")
        self._fetch = fetch or fetch_json
        self._keys: dict[str, tuple[rsa.RSAPublicKey, str | None]] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> tuple[rsa.RSAPublicKey, str | None] | None:
        """The key ``kid`` names and the ``alg`` its JWK pins (if any); None if the issuer
        has no such key."""
        if self._stale() or kid not in self._keys:
            # One fetch at a time; a request arriving during it waits for its result (the
            # first fetch marks the set fetched before it has the keys).
            async with self._lock:
                if self._stale() or (kid not in self._keys and self._may_refetch()):
                    await self._refresh()
        return self._keys.get(kid)

    def _stale(self) -> bool:
        return self._fetched_at is None or time.monotonic() - self._fetched_at > CACHE_TTL_S

    def _may_refetch(self) -> bool:
        return self._fetched_at is None or (
            time.monotonic() - self._fetched_at > REFETCH_INTERVAL_S
        )

    async def _refresh(self) -> None:
        # Counted as a fetch even when it fails: a down issuer is retried at the same pace.
        self._fetched_at = time.monotonic()
        try:
            discovery = await self._fetch(self.issuer + DISCOVERY_SUFFIX)
            jwks_uri = discovery["jwks_uri"]
            listed = (await self._fetch(jwks_uri))["keys"]
        except (KeyError, TypeError, ValueError, OSError, aiohttp.ClientError) as exc:
            raise KeysUnavailable(f"cannot fetch the keys of {self.issuer}: {exc!r}") from None
        keys = {}
        for jwk in listed if isinstance(listed, list) else []:
            if not isinstance(jwk, dict) or not isinstance(jwk.get("kid"), str):
                continue
            if jwk.get("use", "sig") != "sig":
                continue  # an encryption key never verifies a signature
            try:
                keys[jwk["kid"]] = (jws.key_from_jwk(jwk), jwk.get("alg"))
            except ValueError as exc:
                logger.warning("skipping key %s of %s: %s", jwk["kid"], self.issuer, exc)
        self._keys = keys
        logger.info("fetched %d signing key(s) from %s", len(keys), jwks_uri)


async def fetch_json(url: str) -> Any:
    timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT_S)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.get(url, headers={"accept": "application/json"}) as answer,
    ):
        answer.raise_for_status()
        return await answer.json(content_type=None)
