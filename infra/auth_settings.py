"""Who issues the tokens the API's JWT authorizer accepts, read from the CDK context.

By default the stack creates a Cognito user pool and trusts it. ``-c jwt_issuer=https://...
-c jwt_audience=aud1,aud2`` trusts any OpenID Connect issuer instead (no user pool is then
created); ``-c jwt_scopes=teams.write`` makes the team routes require those scopes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeGuard
from urllib.parse import urlsplit


@dataclass(frozen=True)
class AuthSettings:
    # None: the stack's own Cognito user pool is the issuer, its app client the audience.
    issuer: str | None = None
    audience: tuple[str, ...] = ()
    # A token needs at least one of them in its ``scope`` claim (API Gateway's rule for a
    # route's authorization scopes); none: any valid token will do.
    scopes: tuple[str, ...] = ()


def _items(name: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        items = [item.strip() for item in value.split(",")]
    elif isinstance(value, list | tuple):
        items = [str(item).strip() for item in value]
    else:
        raise ValueError(f"{name} must be a comma-separated list, not {value!r}")
    return tuple(item for item in items if item)


def _is_https_url(value: object) -> TypeGuard[str]:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme == "https" and bool(parts.netloc)


def auth_settings(issuer: object, audience: object, scopes: object) -> AuthSettings:
    """The settings from the ``jwt_issuer``, ``jwt_audience`` and ``jwt_scopes`` values."""
    scope_list = () if scopes is None else _items("jwt_scopes", scopes)
    if issuer is None and audience is None:
        return AuthSettings(scopes=scope_list)
    if issuer is None:
        raise ValueError("jwt_audience is set but jwt_issuer is missing: give both or neither")
    if audience is None:
        raise ValueError("jwt_issuer is set but jwt_audience is missing: give both or neither")
    # API Gateway fetches the issuer's discovery document and keys over HTTPS only.
    if not _is_https_url(issuer):
        raise ValueError(f"jwt_issuer must be an https:// URL, not {issuer!r}")
    audiences = _items("jwt_audience", audience)
    if not audiences:
        raise ValueError("jwt_audience is empty: name at least one audience")
    return AuthSettings(issuer=issuer, audience=audiences, scopes=scope_list)
