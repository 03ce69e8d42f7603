"""RS256 signatures and RSA JWKs, in-process (auth/jws.py)."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from pokedex_local.auth import jws
from pokedex_local.auth.issuer import LocalIssuer


@pytest.fixture(scope="module")
def issuer() -> LocalIssuer:
    return LocalIssuer.ephemeral()


def test_a_signed_token_verifies_with_the_key_from_its_jwk(issuer: LocalIssuer) -> None:
    token = jws.sign({"sub": "ash"}, issuer.key, issuer.kid)
    parsed = jws.parse(token)
    (jwk,) = issuer.jwks()["keys"]
    assert parsed.header == {"kid": issuer.kid, "alg": "RS256", "typ": "JWT"}
    assert parsed.claims == {"sub": "ash"}
    assert jwk["kid"] == issuer.kid
    assert jwk["kty"] == "RSA"
    assert jwk["use"] == "sig"
    assert jws.verify(parsed, jws.key_from_jwk(jwk))


def test_a_changed_payload_or_another_key_does_not_verify(issuer: LocalIssuer) -> None:
    header, _, signature = jws.sign({"sub": "ash"}, issuer.key, issuer.kid).split(".")
    payload = jws.b64url_encode(json.dumps({"sub": "gary"}).encode())
    forged = f"{header}.{payload}.{signature}"
    assert not jws.verify(jws.parse(forged), issuer.key.public_key())
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert not jws.verify(jws.parse(jws.sign({}, other, issuer.kid)), issuer.key.public_key())


def test_alg_none_never_verifies(issuer: LocalIssuer) -> None:
    header = jws.b64url_encode(json.dumps({"alg": "none", "kid": issuer.kid}).encode())
    payload = jws.b64url_encode(b'{"sub":"ash"}')
    assert not jws.verify(jws.parse(f"{header}.{payload}."), issuer.key.public_key())


def test_the_key_id_is_the_rfc_7638_thumbprint() -> None:
    # RFC 7638 §3.1's example key and its thumbprint
    n = (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSo"
        "c_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YG"
        "jQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt"
        "-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDK"
        "gw"
    )
    key = jws.key_from_jwk({"kty": "RSA", "n": n, "e": "AQAB"})
    assert jws.thumbprint(key) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


@pytest.mark.parametrize(
    "token",
    ["", "a.b", "a.b.c.d", "!!.e30.", "e30.bm90IGpzb24.", "W10.e30."],
    ids=["empty", "two-parts", "four-parts", "not-base64", "not-json", "not-an-object"],
)
def test_a_malformed_token_is_refused_with_a_reason(token: str) -> None:
    with pytest.raises(jws.MalformedToken):
        jws.parse(token)


def test_a_jwk_that_is_not_rsa_is_refused() -> None:
    with pytest.raises(ValueError, match="not an RSA public key"):
        jws.key_from_jwk({"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"})
