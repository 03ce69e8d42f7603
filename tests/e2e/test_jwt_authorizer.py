"""The JWT authorizer over real HTTP: a gateway serving routes behind it, trusting the
local issuer it serves itself, with tokens minted here from the same key file."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from pokedex_local.auth import jws
from pokedex_local.auth.issuer import ISSUER_PATH, LocalIssuer
from pokedex_local.gateway.jwt_setup import JwtSettings, stack_entry
from pokedex_local.gateway.server import ADMIN_PATH
from tests.e2e.event_model import problems
from tests.e2e.gateway_process import GatewayProcess, Response, get, probe_gateway, request

pytestmark = pytest.mark.e2e

UNAUTHORIZED = {"message": "Unauthorized"}
INVALID = 'Bearer scope="" error="invalid_token"'
AUDIENCES = ("pokedex-local", "second-client")
SCOPES = "GET /scoped=teams/write,admin"


class Authorized:
    def __init__(self, gateway: GatewayProcess, key_file: Path) -> None:
        self.gateway = gateway
        self.key_file = key_file
        self.issuer = gateway.url + ISSUER_PATH
        self.signer = LocalIssuer.load(key_file)

    def token(self, **changes: Any) -> str:
        """A valid token (Cognito's access token shape), with ``changes`` to its claims."""
        claims = jws.parse(self.signer.mint(self.issuer, "ash")).claims
        claims.update(changes)
        return jws.sign({k: v for k, v in claims.items() if v is not None}, *self._key())

    def _key(self) -> tuple[rsa.RSAPrivateKey, str]:
        return self.signer.key, self.signer.kid

    def get(self, path: str, authorization: str | None) -> Response:
        headers = {} if authorization is None else {"Authorization": authorization}
        return get(self.gateway.url + path, headers=headers)

    def refusal_logged(self, path: str, authorization: str) -> tuple[Response, str]:
        """The answer, and what the gateway logged meanwhile (the reason it refused)."""
        before = len(self.gateway.log())
        answer = self.get(path, authorization)
        return answer, self.gateway.log()[before:]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Authorized]:
    workdir = tmp_path_factory.mktemp("jwt")
    key_file = workdir / "issuer-key.pem"
    gateway = probe_gateway(
        workdir,
        "--routes", "auth_routes:ROUTES",
        "--jwt-key-file", str(key_file),
        "--jwt-audience", ",".join(AUDIENCES),
        "--jwt-scopes", SCOPES,
    )  # fmt: skip
    yield Authorized(gateway, key_file)
    gateway.stop()


def assert_refused(answer: Response, description: str | None = None) -> None:
    assert (answer.status, answer.json()) == (401, UNAUTHORIZED)
    assert answer.body == b'{"message":"Unauthorized"}'  # compact, 26 bytes as on AWS
    expected = INVALID + (f' error_description="{description}"' if description else "")
    assert answer.headers["www-authenticate"] == expected


def test_no_token_is_refused_before_the_function_runs(api: Authorized) -> None:
    assert_refused(api.get("/private", None))
    assert_refused(api.get("/private", "Bearer "))
    assert "probe handled" not in api.gateway.log()  # the function never ran


def test_a_valid_token_reaches_the_function_with_its_claims(api: Authorized) -> None:
    # Given a Cognito-shaped access token: client_id and no aud
    token = api.token(**{"cognito:groups": ["trainers", "leaders"], "email_verified": True})
    claims = jws.parse(token).claims
    # When it is sent with and without the Bearer prefix
    for authorization in (f"Bearer {token}", token):
        answer = api.get("/private", authorization)
        assert answer.status == 200, answer.body
        event = answer.json()["event"]
        # Then the function sees every claim as a string, and scopes null
        assert event["requestContext"]["authorizer"] == {
            "jwt": {
                "claims": {
                    "sub": "ash",
                    "username": "ash",
                    "iss": api.issuer,
                    "client_id": "pokedex-local",
                    "token_use": "access",
                    "auth_time": str(claims["auth_time"]),
                    "iat": str(claims["iat"]),
                    "exp": str(claims["exp"]),
                    "jti": claims["jti"],
                    "cognito:groups": "[trainers leaders]",
                    "email_verified": "true",
                },
                "scopes": None,
            }
        }
        assert event["headers"]["authorization"] == authorization  # passed on, as on AWS
        assert problems(event) == [], json.dumps(event, indent=1)  # Powertools' model agrees


AUDIENCE = "the token does not have a valid audience"


@pytest.mark.parametrize(
    ("changes", "description", "reason"),
    [
        ({"exp": int(time.time()) - 3600}, None, "the token expired at"),
        ({"nbf": int(time.time()) + 3600}, None, "nbf"),
        ({"iss": "https://cognito-idp.us-east-1.amazonaws.com/x"}, None, "is not the issuer"),
        ({"client_id": "someone-else"}, AUDIENCE, "client_id ['someone-else']"),
        ({"aud": "someone-else"}, AUDIENCE, "aud ['someone-else']"),
    ],
    ids=["expired", "not-yet-valid", "wrong-issuer", "wrong-client-id", "wrong-aud"],
)
def test_an_invalid_token_is_refused(
    api: Authorized, changes: dict[str, Any], description: str | None, reason: str
) -> None:
    answer, logged = api.refusal_logged("/private", f"Bearer {api.token(**changes)}")
    assert_refused(answer, description)
    assert reason in logged  # the reason, on the gateway's log only


def test_aud_is_matched_first_and_client_id_only_without_it(api: Authorized) -> None:
    # An aud naming the second audience passes, whatever client_id says
    assert api.get("/private", api.token(aud="second-client", client_id="x")).status == 200
    # No aud: client_id alone decides
    assert api.get("/private", api.token(client_id="second-client")).status == 200


def test_a_token_not_signed_by_the_issuer_is_refused(api: Authorized) -> None:
    header, payload, signature = api.token().split(".")
    other = jws.parse(api.token(sub="gary"))
    tampered = f"{header}.{other.signing_input.decode().split('.')[1]}.{signature}"
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jws.sign({**jws.parse(api.token()).claims}, stranger, api.signer.kid)
    unknown_kid = jws.sign({**jws.parse(api.token()).claims}, stranger, "not-the-issuers")
    cases = [
        (tampered, "the signature does not verify"),
        (forged, "the signature does not verify"),
        (unknown_kid, "no key 'not-the-issuers'"),
        (f"{header}.{payload}", "malformed token"),
    ]
    for token, reason in cases:
        answer, logged = api.refusal_logged("/private", f"Bearer {token}")
        assert_refused(answer)
        assert reason in logged


def test_a_token_without_kid_or_with_alg_none_is_refused(api: Authorized) -> None:
    claims = jws.parse(api.token()).claims
    no_kid = _signed({"alg": "RS256", "typ": "JWT"}, claims, api.signer.key)
    alg_none = f"{_b64({'alg': 'none', 'kid': api.signer.kid})}.{_b64(claims)}."
    hs256 = _signed({"alg": "HS256", "kid": api.signer.kid}, claims, api.signer.key)
    cases = [(no_kid, "no kid"), (alg_none, "alg 'none'"), (hs256, "alg 'HS256'")]
    for token, reason in cases:
        answer, logged = api.refusal_logged("/private", f"Bearer {token}")
        assert_refused(answer)
        assert reason in logged


def test_public_and_any_routes_are_not_behind_the_authorizer(api: Authorized) -> None:
    # A public route: no authorizer field at all, token or not (as in captured events)
    for authorization in (None, f"Bearer {api.token()}", "Bearer garbage"):
        answer = api.get("/public", authorization)
        assert answer.status == 200
        assert "authorizer" not in answer.json()["event"]["requestContext"]
    # The ANY route on an authorized path (the API's 405s): reached without a token
    answer = request("DELETE", api.gateway.url + "/private")
    assert answer.status == 200
    assert answer.json()["event"]["routeKey"] == "ANY /private"


def test_a_route_with_scopes_needs_one_of_them(api: Authorized) -> None:
    # Without any of the route's scopes: 403, no function
    for scope in (None, "teams/read"):
        answer = api.get("/scoped", f"Bearer {api.token(scope=scope)}")
        assert (answer.status, answer.json()) == (403, {"message": "Forbidden"})
        assert answer.headers["www-authenticate"] == (
            'Bearer scope="teams/write admin" error="insufficient_scope"'
        )
    # With one: the function runs and sees the token's scopes
    answer = api.get("/scoped", f"Bearer {api.token(scope='teams/read teams/write')}")
    assert answer.status == 200
    assert answer.json()["event"]["requestContext"]["authorizer"]["jwt"]["scopes"] == [
        "teams/read",
        "teams/write",
    ]


def test_the_gateway_publishes_the_issuer_documents(api: Authorized) -> None:
    discovery = get(api.issuer + "/.well-known/openid-configuration").json()
    assert discovery["issuer"] == api.issuer
    keys = get(discovery["jwks_uri"]).json()["keys"]
    assert [key["kid"] for key in keys] == [api.signer.kid]
    assert "d" not in keys[0]  # the public half only
    # Public, unlike the admin API beside them: a Host that is not loopback still gets them
    foreign_host = {"Host": "pokedex.example"}
    assert get(discovery["jwks_uri"], headers=foreign_host).status == 200
    assert get(api.gateway.url + ADMIN_PATH, headers=foreign_host).status == 404


def test_a_token_from_the_token_command_is_accepted(api: Authorized, tmp_path: Path) -> None:
    # Given a state directory whose stack.json describes this gateway's authorizer
    settings = JwtSettings(audiences=AUDIENCES, key_file=str(api.key_file))
    (tmp_path / "stack.json").write_text(json.dumps({"auth": stack_entry(settings, api.issuer)}))
    # When `make token`'s command mints one for misty
    minted = _token_command("--user", "misty", "--state-dir", str(tmp_path))
    assert minted.returncode == 0, minted.stderr
    token = minted.stdout.strip().splitlines()[-1]
    # Then the gateway accepts it, and the function sees misty
    answer = api.get("/private", f"Bearer {token}")
    assert answer.status == 200
    assert answer.json()["event"]["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] == "misty"


def test_the_token_command_says_what_is_missing(tmp_path: Path) -> None:
    minted = _token_command("--user", "misty", "--state-dir", str(tmp_path))
    assert minted.returncode != 0
    assert "make run" in minted.stderr
    assert minted.stdout == ""
    # A stack.json left by a stack that was killed: its gateway is gone
    stale = {"pids": {"gateway": _exited_pid()}, "auth": {}}
    (tmp_path / "stack.json").write_text(json.dumps(stale))
    minted = _token_command("--user", "misty", "--state-dir", str(tmp_path))
    assert minted.returncode != 0
    assert "no longer running" in minted.stderr
    bad_ttl = _token_command("--user", "misty", "--ttl", "0", "--state-dir", str(tmp_path))
    assert bad_ttl.returncode != 0
    assert "--ttl" in bad_ttl.stderr


def _exited_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    return int(done.stdout)


def _token_command(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pokedex_local.auth.token", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def _b64(value: dict[str, Any]) -> str:
    return jws.b64url_encode(json.dumps(value).encode())


def _signed(header: dict[str, Any], claims: dict[str, Any], key: rsa.RSAPrivateKey) -> str:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    signing_input = f"{_b64(header)}.{_b64(claims)}"
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{jws.b64url_encode(signature)}"
