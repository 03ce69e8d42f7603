"""Compact JWS with RSA keys: the only signatures HTTP API's JWT authorizer accepts
("Currently, only RSA-based algorithms are supported", "Control access to HTTP APIs with
JWT authorizers"). Signing, parsing, verifying, and RSA public keys as JWKs (RFC 7517/7518),
with their RFC 7638 thumbprint as the key id."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

# RSASSA-PKCS1-v1_5, what RS* names (RFC 7518 §3.3); "none" and HMAC are refused.
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "RS256": hashes.SHA256,
    "RS384": hashes.SHA384,
    "RS512": hashes.SHA512,
}
ALGORITHMS = frozenset(_HASHES)


class MalformedToken(ValueError):
    """Not a compact JWS whose header and payload are JSON objects."""


@dataclass(frozen=True)
class ParsedToken:
    header: dict[str, Any]
    claims: dict[str, Any]
    signing_input: bytes  # what the signature covers: the first two segments, as sent
    signature: bytes


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    # validate=True: a character outside the alphabet is an error, not silently skipped.
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedToken(f"a segment is not base64url: {exc}") from None


def sign(claims: dict[str, Any], key: rsa.RSAPrivateKey, kid: str, alg: str = "RS256") -> str:
    header = {"kid": kid, "alg": alg, "typ": "JWT"}
    signing_input = ".".join(b64url_encode(_compact(part)) for part in (header, claims))
    signature = key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), _HASHES[alg]())
    return f"{signing_input}.{b64url_encode(signature)}"


def parse(token: str) -> ParsedToken:
    parts = token.split(".")
    if len(parts) != 3:
        raise MalformedToken(f"a JWS has 3 dot-separated segments, this has {len(parts)}")
    header, claims = (_json_object(part) for part in parts[:2])
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii", errors="replace")
    return ParsedToken(header, claims, signing_input, b64url_decode(parts[2]))


def verify(token: ParsedToken, key: rsa.RSAPublicKey) -> bool:
    """Whether ``key`` signed ``token`` with the algorithm its header names (an RS* one)."""
    alg = token.header.get("alg")
    if alg not in _HASHES:
        return False
    try:
        key.verify(token.signature, token.signing_input, padding.PKCS1v15(), _HASHES[alg]())
    except InvalidSignature:
        return False
    return True


def public_jwk(key: rsa.RSAPublicKey, alg: str = "RS256") -> dict[str, str]:
    numbers = key.public_numbers()
    return {
        "kty": "RSA",
        "kid": thumbprint(key),
        "use": "sig",
        "alg": alg,
        "n": b64url_encode(_unsigned(numbers.n)),
        "e": b64url_encode(_unsigned(numbers.e)),
    }


def key_from_jwk(jwk: dict[str, Any]) -> rsa.RSAPublicKey:
    """The RSA public key a JWK describes; ValueError for any other kind of key."""
    if jwk.get("kty") != "RSA" or not isinstance(jwk.get("n"), str):
        raise ValueError(f"not an RSA public key: kty={jwk.get('kty')!r}")
    try:
        n = int.from_bytes(b64url_decode(jwk["n"]), "big")
        e = int.from_bytes(b64url_decode(str(jwk.get("e", ""))), "big")
    except MalformedToken as exc:
        raise ValueError(f"bad RSA key numbers: {exc}") from None
    return rsa.RSAPublicNumbers(e, n).public_key()


def thumbprint(key: rsa.RSAPublicKey) -> str:
    """RFC 7638: SHA-256 of the required members in lexical order, no whitespace. A key id
    that changes exactly when the key does."""
    numbers = key.public_numbers()
    members = {"e": b64url_encode(_unsigned(numbers.e)), "kty": "RSA"}
    members["n"] = b64url_encode(_unsigned(numbers.n))
    digest = hashlib.sha256(_compact(dict(sorted(members.items())))).digest()
    return b64url_encode(digest)


def _json_object(segment: str) -> dict[str, Any]:
    raw = b64url_decode(segment)
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedToken(f"a segment is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise MalformedToken("a segment is JSON but not an object")
    return value


def _compact(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _unsigned(number: int) -> bytes:
    return number.to_bytes((number.bit_length() + 7) // 8 or 1, "big")
