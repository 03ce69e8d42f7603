"""The authorizer's claim checks, in-process: what HTTP API's JWT authorizer accepts."""

from __future__ import annotations

from typing import Any

import pytest

from pokedex_local.auth.claims import (
    INVALID_AUDIENCE,
    Rejected,
    check_claims,
    check_scopes,
    token_scopes,
)

ISSUER = "http://127.0.0.1:3000/__local/issuer"
NOW = 1_800_000_000.0


def claims(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "sub": "ash",
        "iss": ISSUER,
        "client_id": "pokedex-local",
        "iat": NOW - 10,
        "exp": NOW + 3600,
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def check(token_claims: dict[str, Any], audiences: tuple[str, ...] = ("pokedex-local",)) -> None:
    check_claims(token_claims, issuer=ISSUER, audiences=audiences, now=NOW, leeway_s=60)


def test_a_cognito_access_token_passes_on_its_client_id() -> None:
    check(claims())  # no aud: client_id is matched, as AWS does


@pytest.mark.parametrize(
    "aud", ["pokedex-local", ["other", "pokedex-local"]], ids=["string", "list"]
)
def test_an_aud_that_names_a_configured_audience_passes(aud: Any) -> None:
    check(claims(aud=aud, client_id=None))


def test_aud_is_evaluated_when_both_are_present() -> None:
    # Given a token whose client_id is right but whose aud is not
    with pytest.raises(Rejected) as refused:
        check(claims(aud="someone-else"))
    # Then the audience check fails, with the description AWS documents
    assert refused.value.description == INVALID_AUDIENCE
    assert refused.value.status == 401


@pytest.mark.parametrize(
    "changes",
    [{"client_id": "someone-else"}, {"client_id": None}, {"aud": []}, {"aud": 7}],
    ids=["wrong-client-id", "neither", "empty-aud-list", "aud-not-a-string"],
)
def test_a_token_for_another_audience_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(Rejected) as refused:
        check(claims(**changes))
    assert refused.value.description == INVALID_AUDIENCE


@pytest.mark.parametrize(
    "changes",
    [
        {"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_x"},
        {"iss": ISSUER + "/"},  # the issuer must match exactly
        {"iss": None},
        {"exp": NOW - 61},
        {"exp": None},
        {"exp": "soon"},
        {"exp": True},
        {"nbf": NOW + 61},
        {"iat": NOW + 61},
    ],
    ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()),
)
def test_an_invalid_token_is_refused_without_a_description(changes: dict[str, Any]) -> None:
    with pytest.raises(Rejected) as refused:
        check(claims(**changes))
    # AWS documents no text for these: none is sent, the reason is only logged
    assert refused.value.description is None
    assert refused.value.status == 401
    assert refused.value.reason


def test_the_clocks_may_disagree_by_the_leeway() -> None:
    check(claims(exp=NOW - 59, nbf=NOW + 59, iat=NOW + 59))


def test_scopes_come_from_scp_before_scope() -> None:
    assert token_scopes({"scope": "a b  c"}) == ["a", "b", "c"]
    assert token_scopes({"scp": ["x", "y"], "scope": "a"}) == ["x", "y"]
    assert token_scopes({"scp": "x y"}) == ["x", "y"]
    assert token_scopes({}) == []


def test_a_route_with_scopes_needs_one_of_them() -> None:
    check_scopes(claims(scope="teams/read teams/write"), ["teams/write", "admin"])
    check_scopes(claims(), [])  # a route without scopes asks for none
    with pytest.raises(Rejected) as refused:
        check_scopes(claims(scope="teams/read"), ["teams/write"])
    assert refused.value.status == 403
    with pytest.raises(Rejected):
        check_scopes(claims(), ["teams/write"])
