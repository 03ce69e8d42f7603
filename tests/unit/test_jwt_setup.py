"""How the gateway's authorizer is configured (gateway/jwt_setup.py) and the local
issuer's key file (auth/issuer.py)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from pokedex_local.auth.issuer import LocalIssuer
from pokedex_local.gateway.jwt_setup import JwtSettings, parse_route_scopes, set_up, stack_entry


def test_route_scopes_are_a_route_key_then_scopes() -> None:
    assert parse_route_scopes("DELETE /teams/{team_id}=teams/write, admin") == (
        "DELETE /teams/{team_id}",
        ("teams/write", "admin"),
    )


@pytest.mark.parametrize("text", ["/teams=read", "GET /teams", "GET /teams=", "GET teams=a"])
def test_a_bad_route_scopes_value_says_what_is_expected(text: str) -> None:
    with pytest.raises(ValueError, match="METHOD /path=scope"):
        parse_route_scopes(text)


def test_the_local_issuer_is_reached_over_loopback_on_the_gateway_port(tmp_path: Path) -> None:
    settings = JwtSettings(key_file=str(tmp_path / "key.pem"))
    setup = set_up(settings, "0.0.0.0", 4321)
    assert setup.issuer_url == "http://127.0.0.1:4321/__local/issuer"
    assert setup.local_issuer is not None
    assert set_up(settings, "::1", 4321).issuer_url == "http://[::1]:4321/__local/issuer"
    # The key is kept, owner-only, and is the same key the next time
    assert stat.S_IMODE((tmp_path / "key.pem").stat().st_mode) == 0o600
    assert LocalIssuer.load(tmp_path / "key.pem").kid == setup.local_issuer.kid
    entry = stack_entry(settings, setup.issuer_url)
    assert entry["jwks_uri"] == "http://127.0.0.1:4321/__local/issuer/jwks.json"
    assert entry["key_file"] == str((tmp_path / "key.pem").resolve())


def test_another_issuer_is_trusted_as_given() -> None:
    cognito = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc"
    setup = set_up(JwtSettings(issuer=cognito + "/", audiences=("client",)), "127.0.0.1", 1)
    assert (setup.issuer_url, setup.local_issuer) == (cognito, None)
    assert setup.authorizer.config.audiences == ("client",)
    assert stack_entry(JwtSettings(issuer=cognito), cognito)["key_file"] is None


def test_a_key_file_that_is_not_a_key_is_named(tmp_path: Path) -> None:
    (tmp_path / "key.pem").write_text("not a key")
    with pytest.raises(ValueError, match=r"key\.pem is not an unencrypted PEM private key"):
        LocalIssuer.load(tmp_path / "key.pem")
