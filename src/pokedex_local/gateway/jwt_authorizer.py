"""HTTP API's JWT authorizer, in front of the routes marked ``auth``.

The workflow of "Control access to HTTP APIs with JWT authorizers": take the token from
the identity source (``$request.header.Authorization``, with or without a ``Bearer``
prefix), decode it, check its algorithm (RSA only) and signature with the key its ``kid``
names in the issuer's ``jwks_uri``, then its claims (auth/claims.py). Any failure is a 401
``{"message":"Unauthorized"}`` with a ``www-authenticate`` header before the function runs;
a valid token without one of the route's scopes is a 403 ``{"message":"Forbidden"}``.

Nothing here is specific to the local issuer: pointed at a Cognito user pool's issuer
URL (``--jwt-issuer``), the same checks run against Cognito's keys.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pokedex_local.auth import claims as checks
from pokedex_local.auth import jws
from pokedex_local.auth.event_claims import authorizer_context
from pokedex_local.gateway.jwt_keys import IssuerKeys, KeysUnavailable

logger = logging.getLogger(__name__)

BEARER = "bearer "


@dataclass(frozen=True)
class AuthorizerConfig:
    issuer: str
    audiences: tuple[str, ...]
    # Authorization scopes by route key ("GET /teams"); a route not listed has none.
    route_scopes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    leeway_s: float = checks.LEEWAY_S


class JwtAuthorizer:
    def __init__(self, config: AuthorizerConfig, keys: IssuerKeys | None = None) -> None:
        if not config.audiences:
            raise ValueError("a JWT authorizer needs at least one audience")
        self.config = config
        self._keys = keys or IssuerKeys(config.issuer)

    async def authorize(self, authorization: str | None, route_key: str) -> dict[str, Any]:
        """``requestContext.authorizer`` for a request whose Authorization header (as
        sent, or None) is ``authorization``; raises checks.Rejected when it is refused."""
        token = _identity(authorization)
        try:
            parsed = jws.parse(token)
        except jws.MalformedToken as exc:
            raise checks.Rejected(f"malformed token: {exc}") from None
        alg, kid = parsed.header.get("alg"), parsed.header.get("kid")
        if alg not in jws.ALGORITHMS:
            raise checks.Rejected(f"alg {alg!r} is not an RSA signature (RS256/384/512)")
        if not isinstance(kid, str) or not kid:
            raise checks.Rejected("the token's header has no kid")
        try:
            found = await self._keys.key(kid)
        except KeysUnavailable as exc:
            raise checks.Rejected(str(exc)) from None
        if found is None:
            raise checks.Rejected(f"no key {kid!r} in the issuer's JWKS")
        key, pinned_alg = found
        if pinned_alg is not None and pinned_alg != alg:
            raise checks.Rejected(f"key {kid!r} is for {pinned_alg}, the token says {alg}")
        if not jws.verify(parsed, key):
            raise checks.Rejected("the signature does not verify")
        checks.check_claims(
            parsed.claims,
            issuer=self.config.issuer,
            audiences=self.config.audiences,
            now=time.time(),
            leeway_s=self.config.leeway_s,
        )
        scopes = self.config.route_scopes.get(route_key, ())
        checks.check_scopes(parsed.claims, scopes)
        return authorizer_context(parsed.claims, scopes)


def _identity(authorization: str | None) -> str:
    """The token in the identity source: the header's value, without a ``Bearer`` prefix
    (matched without regard to case, as RFC 7235 says of auth schemes)."""
    value = (authorization or "").strip()
    if value.lower().startswith(BEARER):
        value = value[len(BEARER) :].strip()
    if not value:
        raise checks.Rejected("no token in the Authorization header")
    return value


def challenge(rejected: checks.Rejected, route_scopes: Sequence[str]) -> str:
    """The www-authenticate value, in the form the troubleshooting page shows:
    ``Bearer scope="" error="invalid_token" error_description="..."``. The description is
    there only when AWS documents its text (the audience); a 403's header follows RFC 6750
    (``insufficient_scope``, the route's scopes): assumed, no AWS page shows one."""
    if rejected.status == 403:
        return f'Bearer scope="{" ".join(route_scopes)}" error="insufficient_scope"'
    header = 'Bearer scope="" error="invalid_token"'
    if rejected.description:
        header += f' error_description="{rejected.description}"'
    return header
