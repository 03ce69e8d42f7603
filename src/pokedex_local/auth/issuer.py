"""The local issuer: one RSA key per state directory, and the two documents an OpenID
provider publishes for verifiers (the discovery document and its JWKS).

The gateway serves both under its reserved prefix, so the authorizer finds the keys the
way it would find Cognito's: ``{issuer}/.well-known/openid-configuration`` → ``jwks_uri``.
The private key is a file readable by its owner only, kept across runs beside tier.json,
so tokens minted once stay valid while the stack is restarted on the same port.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from pokedex_local.auth import jws
from pokedex_local.gateway.routing import RESERVED_PREFIX
from pokedex_local.tier.private_file import write_private

# Served by the gateway under its reserved prefix; public, unlike the admin API beside it.
ISSUER_PATH = RESERVED_PREFIX + "/issuer"
DISCOVERY_SUFFIX = "/.well-known/openid-configuration"
JWKS_SUFFIX = "/jwks.json"
KEY_FILE = "issuer-key.pem"
DEFAULT_AUDIENCE = "pokedex-local"


class LocalIssuer:
    def __init__(self, key: rsa.RSAPrivateKey) -> None:
        self.key = key
        self.kid = jws.thumbprint(key.public_key())

    @classmethod
    def ephemeral(cls) -> LocalIssuer:
        """A key for this process only (a gateway with no key file: tokens can be minted
        only in-process)."""
        return cls(_new_key())

    @classmethod
    def load(cls, path: Path) -> LocalIssuer:
        """The key in ``path``, created (owner-only) when there is none yet."""
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            pem = _new_key().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            write_private(path, pem.decode())
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (ValueError, TypeError) as exc:
            raise ValueError(
                f"{path} is not an unencrypted PEM private key ({exc}); remove it and a new "
                "one is made (tokens signed by the old one are then refused)"
            ) from None
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError(f"{path} holds a {type(key).__name__}, not an RSA private key")
        return cls(key)

    def discovery(self, issuer: str) -> dict[str, Any]:
        """The part of an OpenID discovery document a JWT verifier reads."""
        return {
            "issuer": issuer,
            "jwks_uri": issuer + JWKS_SUFFIX,
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["token"],
            "subject_types_supported": ["public"],
        }

    def jwks(self) -> dict[str, Any]:
        return {"keys": [jws.public_jwk(self.key.public_key())]}

    def mint(
        self,
        issuer: str,
        user: str,
        *,
        client_id: str = DEFAULT_AUDIENCE,
        scope: str = "",
        ttl_s: int = 3600,
        audience: str | None = None,
        now: float | None = None,
    ) -> str:
        """An access token shaped like a Cognito user pool's: ``client_id`` and no ``aud``
        (the authorizer's audience is then matched against ``client_id``), ``token_use``
        ``access``, ``username`` beside ``sub``. ``audience`` adds an ``aud`` (the shape of an
        ID token or of most other OIDC providers' access tokens)."""
        issued = int(time.time() if now is None else now)
        claims: dict[str, Any] = {
            "sub": user,
            "iss": issuer,
            "client_id": client_id,
            "token_use": "access",
            "auth_time": issued,
            "iat": issued,
            "exp": issued + ttl_s,
            "jti": str(uuid.uuid4()),
            "username": user,
        }
        if scope:
            claims["scope"] = scope
        if audience is not None:
            claims["aud"] = audience
        return jws.sign(claims, self.key, self.kid)


def issuer_url(base_url: str) -> str:
    return base_url.rstrip("/") + ISSUER_PATH


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)
