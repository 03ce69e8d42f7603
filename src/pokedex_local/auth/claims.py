"""The claim checks of HTTP API's JWT authorizer, as pure functions of the token's claims.

What AWS checks ("Control access to HTTP APIs with JWT authorizers", "Authorizing API
requests"): ``iss`` equals the configured issuer; ``aud`` matches one configured audience,
or, only when there is no ``aud``, ``client_id`` does ("Troubleshooting issues with HTTP
API JWT authorizers"); ``exp`` is after now, ``nbf`` and ``iat`` before now; and, when the
route has scopes, ``scope`` or ``scp`` holds at least one of them. The ``kid`` and the
signature are checked before these, against the issuer's keys (gateway/jwt_authorizer.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# The one error_description AWS documents (the troubleshooting page's example). For every
# other refusal no text is published, so none is invented: the header carries the error
# code only, and the reason goes to the gateway's log.
INVALID_AUDIENCE = "the token does not have a valid audience"

# Clock skew tolerated on exp, nbf and iat. AWS publishes no figure: assumed.
LEEWAY_S = 60.0


class Rejected(Exception):
    """A token the authorizer refuses. ``reason`` is for the gateway's log; ``description``
    is what may go in www-authenticate; ``status`` 401 (invalid token) or 403 (scopes)."""

    def __init__(self, reason: str, *, description: str | None = None, status: int = 401):
        super().__init__(reason)
        self.reason = reason
        self.description = description
        self.status = status


def check_claims(
    claims: Mapping[str, Any],
    *,
    issuer: str,
    audiences: Sequence[str],
    now: float,
    leeway_s: float = LEEWAY_S,
) -> None:
    """Raise Rejected unless the claims pass, in the order the AWS page lists them."""
    if claims.get("iss") != issuer:
        raise Rejected(f"iss {claims.get('iss')!r} is not the issuer {issuer!r}")
    _check_audience(claims, audiences)
    # exp is required: a token that never expires is refused (fail closed; Cognito and
    # every OIDC provider set it). nbf and iat are checked when present.
    exp = _time(claims, "exp", required=True)
    if exp is not None and exp <= now - leeway_s:
        raise Rejected(f"the token expired at {exp:.0f}, now is {now:.0f}")
    for name in ("nbf", "iat"):
        moment = _time(claims, name, required=False)
        if moment is not None and moment > now + leeway_s:
            raise Rejected(f"{name} {moment:.0f} is in the future, now is {now:.0f}")


def _check_audience(claims: Mapping[str, Any], audiences: Sequence[str]) -> None:
    # "API Gateway validates client_id only if aud is not present. When both aud and
    # client_id are present, API Gateway evaluates aud."
    if "aud" in claims:
        aud = claims["aud"]
        offered = aud if isinstance(aud, list) else [aud]
        name = "aud"
    else:
        offered = [claims.get("client_id")]
        name = "client_id"
    if not any(isinstance(value, str) and value in audiences for value in offered):
        raise Rejected(
            f"{name} {offered!r} matches none of the audiences {list(audiences)!r}",
            description=INVALID_AUDIENCE,
        )


def _time(claims: Mapping[str, Any], name: str, *, required: bool) -> float | None:
    value = claims.get(name)
    if value is None:
        if required:
            raise Rejected(f"the token has no {name} claim")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Rejected(f"{name} is not a number of seconds: {value!r}")
    return float(value)


def token_scopes(claims: Mapping[str, Any]) -> list[str]:
    """The token's scopes: ``scp`` (a list, or a space-separated string as some issuers
    write it) when present, else ``scope`` (OAuth's space-separated string)."""
    for name in ("scp", "scope"):
        value = claims.get(name)
        if isinstance(value, list):
            return [item for item in value if isinstance(item, str)]
        if isinstance(value, str):
            return value.split()
    return []


def check_scopes(claims: Mapping[str, Any], required: Sequence[str]) -> None:
    """A route with scopes needs at least one of them in the token; 403 otherwise (the
    REST API JWT page: "A valid token that carries none of the method's scopes receives a
    403 Forbidden response"; HTTP API's page states the rule, not the status)."""
    if required and not set(token_scopes(claims)) & set(required):
        raise Rejected(
            f"scopes {token_scopes(claims)!r} include none of the route's {list(required)!r}",
            status=403,
        )
