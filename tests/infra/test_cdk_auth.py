"""The team routes sit behind a JWT authorizer; the default issuer is the stack's own
Cognito user pool, `-c jwt_issuer/jwt_audience` trusts another one (issue 12)."""

import pytest

from infra.application import create_app
from infra.auth_settings import AuthSettings, auth_settings
from pokedex.routes import ROUTES

pytestmark = pytest.mark.infra

SKIP_BUNDLING = {"aws:cdk:bundling-stacks": []}

AUTH_ROUTE_KEYS = {route.route_key for route in ROUTES if route.auth}


def _routes(synth):
    return {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in synth.resources("AWS::ApiGatewayV2::Route").values()
    }


def test_the_five_team_routes_are_the_ones_marked_auth():
    assert {
        "POST /teams",
        "GET /teams",
        "GET /teams/{team_id}",
        "PUT /teams/{team_id}",
        "DELETE /teams/{team_id}",
    } == AUTH_ROUTE_KEYS


def test_one_jwt_authorizer_reading_the_bearer_header(synth):
    _, authorizer = synth.one("AWS::ApiGatewayV2::Authorizer")
    props = authorizer["Properties"]
    assert props["AuthorizerType"] == "JWT"
    assert props["IdentitySource"] == ["$request.header.Authorization"]


def test_only_the_team_routes_need_a_token(synth):
    authorizer_id, _ = synth.one("AWS::ApiGatewayV2::Authorizer")
    routes = _routes(synth)
    assert set(routes) > AUTH_ROUTE_KEYS
    for key, props in routes.items():
        if key in AUTH_ROUTE_KEYS:
            assert props["AuthorizationType"] == "JWT", key
            assert props["AuthorizerId"] == {"Ref": authorizer_id}, key
        else:
            assert props["AuthorizationType"] == "NONE", key
            assert "AuthorizerId" not in props, key
        assert "AuthorizationScopes" not in props, key  # none unless -c jwt_scopes


def test_the_default_issuer_is_the_stacks_user_pool_and_the_audience_its_client(synth):
    pool_id, _ = synth.one("AWS::Cognito::UserPool")
    client_id, _ = synth.one("AWS::Cognito::UserPoolClient")
    _, authorizer = synth.one("AWS::ApiGatewayV2::Authorizer")
    jwt = authorizer["Properties"]["JwtConfiguration"]
    assert jwt["Audience"] == [{"Ref": client_id}]
    assert jwt["Issuer"] == {
        "Fn::Join": [
            "",
            ["https://cognito-idp.", {"Ref": "AWS::Region"}, ".amazonaws.com/", {"Ref": pool_id}],
        ]
    }
    outputs = synth.json["Outputs"]
    assert outputs["UserPoolId"]["Value"] == {"Ref": pool_id}
    assert outputs["UserPoolClientId"]["Value"] == {"Ref": client_id}
    assert outputs["JwtIssuer"]["Value"] == jwt["Issuer"]


def test_users_are_created_by_an_administrator_with_strong_passwords(synth):
    _, pool = synth.one("AWS::Cognito::UserPool")
    props = pool["Properties"]
    assert props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    policy = props["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 12
    assert all(
        policy[rule]
        for rule in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols")
    )
    assert props["MfaConfiguration"] == "OPTIONAL"
    assert props["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]


def test_the_app_client_is_public_and_can_sign_in_from_the_cli(synth):
    _, client = synth.one("AWS::Cognito::UserPoolClient")
    props = client["Properties"]
    assert props.get("GenerateSecret", False) is False
    assert "ALLOW_USER_PASSWORD_AUTH" in props["ExplicitAuthFlows"]
    assert props["PreventUserExistenceErrors"] == "ENABLED"
    # No OAuth flows (CDK's default allows the implicit grant to https://example.com).
    assert "AllowedOAuthFlows" not in props
    assert "CallbackURLs" not in props


def test_the_user_pool_goes_with_a_dev_stack_and_stays_with_prod(dev, prod):
    _, dev_pool = dev.one("AWS::Cognito::UserPool")
    _, prod_pool = prod.one("AWS::Cognito::UserPool")
    assert dev_pool["DeletionPolicy"] == "Delete"
    assert dev_pool["Properties"].get("DeletionProtection", "INACTIVE") == "INACTIVE"
    assert prod_pool["DeletionPolicy"] == "Retain"
    assert prod_pool["Properties"]["DeletionProtection"] == "ACTIVE"


def test_an_oidc_issuer_replaces_the_user_pool(oidc):
    assert oidc.resources("AWS::Cognito::UserPool") == {}
    assert oidc.resources("AWS::Cognito::UserPoolClient") == {}
    _, authorizer = oidc.one("AWS::ApiGatewayV2::Authorizer")
    assert authorizer["Properties"]["JwtConfiguration"] == {
        "Issuer": "https://issuer.example.com/",
        "Audience": ["pokedex-api", "pokedex-cli"],
    }
    outputs = oidc.json["Outputs"]
    assert outputs["JwtIssuer"]["Value"] == "https://issuer.example.com/"
    assert "UserPoolId" not in outputs
    assert "UserPoolClientId" not in outputs


def test_scopes_apply_to_the_team_routes_only(oidc):
    for key, props in _routes(oidc).items():
        if key in AUTH_ROUTE_KEYS:
            assert props["AuthorizationScopes"] == ["teams.write"], key
        else:
            assert "AuthorizationScopes" not in props, key


def test_the_context_values_are_parsed_into_settings():
    assert auth_settings(None, None, None) == AuthSettings()
    # Scopes work with the user pool too.
    assert auth_settings(None, None, "teams.read, teams.write") == AuthSettings(
        scopes=("teams.read", "teams.write")
    )
    # A JSON list from cdk.json's context is taken as well as a comma-separated string.
    assert auth_settings("https://issuer.example.com", ["a", " b "], None) == AuthSettings(
        issuer="https://issuer.example.com", audience=("a", "b")
    )


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"jwt_issuer": "https://issuer.example.com/"}, "jwt_audience is missing"),
        ({"jwt_audience": "pokedex-api"}, "jwt_issuer is missing"),
        ({"jwt_issuer": "http://issuer.example.com/", "jwt_audience": "a"}, "https://"),
        ({"jwt_issuer": "issuer.example.com", "jwt_audience": "a"}, "https://"),
        ({"jwt_issuer": "https://issuer.example.com/", "jwt_audience": " , "}, "is empty"),
    ],
)
def test_bad_jwt_configuration_is_refused_with_a_clear_error(context, message):
    with pytest.raises(ValueError, match=message):
        create_app({**SKIP_BUNDLING, **context})
