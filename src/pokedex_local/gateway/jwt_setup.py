"""How the gateway's JWT authorizer is configured: which issuer it trusts (by default the
local issuer it serves itself), the audiences, and the scopes of each route."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pokedex_local.auth.issuer import (
    DEFAULT_AUDIENCE,
    DISCOVERY_SUFFIX,
    JWKS_SUFFIX,
    LocalIssuer,
    issuer_url,
)
from pokedex_local.gateway.jwt_authorizer import AuthorizerConfig, JwtAuthorizer

_UNSPECIFIED_HOSTS = frozenset({"", "0.0.0.0", "::"})


@dataclass(frozen=True)
class JwtSettings:
    # Empty: the local issuer, served by this gateway under /__local/issuer.
    issuer: str = ""
    audiences: tuple[str, ...] = (DEFAULT_AUDIENCE,)
    # (route key, scopes): e.g. ("DELETE /teams/{team_id}", ("teams/write",)).
    route_scopes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # The local issuer's private key (created if missing); empty: a key for this process
    # only, so no other process can mint a token it accepts.
    key_file: str = ""


@dataclass(frozen=True)
class JwtSetup:
    authorizer: JwtAuthorizer
    issuer_url: str
    local_issuer: LocalIssuer | None  # set when the gateway serves the issuer itself


def set_up(settings: JwtSettings, host: str, port: int) -> JwtSetup:
    local = None
    issuer = settings.issuer.rstrip("/")
    if not issuer:
        local = LocalIssuer.load(Path(settings.key_file)) if settings.key_file else None
        local = local or LocalIssuer.ephemeral()
        # The authorizer fetches the keys from this very gateway: over loopback when it
        # listens on every address, else on the address it listens on.
        reachable = "127.0.0.1" if host in _UNSPECIFIED_HOSTS else host
        if ":" in reachable and not reachable.startswith("["):
            reachable = f"[{reachable}]"
        issuer = issuer_url(f"http://{reachable}:{port}")
    config = AuthorizerConfig(issuer, settings.audiences, dict(settings.route_scopes))
    return JwtSetup(JwtAuthorizer(config), issuer, local)


def parse_route_scopes(text: str) -> tuple[str, tuple[str, ...]]:
    """``ROUTE_KEY=SCOPE[,SCOPE...]`` for --jwt-scopes, with a message naming what is wrong."""
    route_key, sep, scopes = text.rpartition("=")
    method, _, path = route_key.partition(" ")
    names = tuple(s.strip() for s in scopes.split(",") if s.strip())
    if not sep or not method or not path.startswith("/") or not names:
        raise ValueError(
            f"expected 'METHOD /path=scope[,scope...]' (a route key, then scopes), got {text!r}"
        )
    return route_key, names


def stack_entry(settings: JwtSettings, issuer: str) -> dict[str, object]:
    """stack.json's ``auth``: what a client needs to get and use a token."""
    local = not settings.issuer
    return {
        "issuer": issuer,
        "discovery_url": issuer + DISCOVERY_SUFFIX,
        "jwks_uri": issuer + JWKS_SUFFIX if local else None,  # else: in the discovery doc
        "audiences": list(settings.audiences),
        "route_scopes": {key: list(scopes) for key, scopes in settings.route_scopes},
        "key_file": str(Path(settings.key_file).resolve()) if local and settings.key_file else None,
        "token": "make token USER=<name>  (python -m pokedex_local.auth.token --user <name>)"
        if local
        else f"from {issuer}",
    }
