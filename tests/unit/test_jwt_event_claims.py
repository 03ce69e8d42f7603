"""requestContext.authorizer as AWS hands it to the function (auth/event_claims.py)."""

from __future__ import annotations

from pokedex_local.auth.event_claims import authorizer_context


def test_claims_arrive_as_strings_as_in_captured_events() -> None:
    # Given the claims of a Cognito access token with a group list and odd-typed claims
    claims = {
        "sub": "ash",
        "exp": 1787996002,
        "auth_time": 1787992402.0,
        "ratio": 0.5,
        "email_verified": True,
        "cognito:groups": ["admin", "poweruser"],
        "address": {"country": "JP"},
        "nickname": None,
        "scope": "teams/read teams/write",
    }
    # When the authorizer builds the context for a route without scopes
    context = authorizer_context(claims, route_scopes=())
    # Then every value is a string, null claims are left out, and scopes is null
    assert context == {
        "jwt": {
            "claims": {
                "sub": "ash",
                "exp": "1787996002",
                "auth_time": "1787992402",
                "ratio": "0.5",
                "email_verified": "true",
                "cognito:groups": "[admin poweruser]",
                "address": '{"country":"JP"}',
                "scope": "teams/read teams/write",
            },
            "scopes": None,
        }
    }


def test_a_route_with_scopes_gets_the_token_scopes() -> None:
    context = authorizer_context({"scope": "teams/read teams/write"}, ("teams/write",))
    assert context["jwt"]["scopes"] == ["teams/read", "teams/write"]
