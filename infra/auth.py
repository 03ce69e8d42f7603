"""The JWT authorizer of the team routes, and the Cognito user pool it trusts by default.

API Gateway checks the token (signature, expiry, issuer, audience, scopes) before the
function runs and answers 401 without one; the function only reads the caller's ``sub``.
With ``-c jwt_issuer`` (infra/auth_settings.py) another OpenID Connect issuer is trusted and
no user pool is created.
"""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra import nag
from infra.auth_settings import AuthSettings
from infra.profiles import Profile

IDENTITY_SOURCE = "$request.header.Authorization"


class Auth(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, settings: AuthSettings, profile: Profile
    ) -> None:
        super().__init__(scope, construct_id)
        self.settings = settings
        self.user_pool: cognito.UserPool | None = None
        self.client: cognito.UserPoolClient | None = None
        if settings.issuer is None:
            self.user_pool, self.client = self._build_user_pool(profile)
            issuer = (
                f"https://cognito-idp.{Stack.of(self).region}.amazonaws.com/"
                f"{self.user_pool.user_pool_id}"
            )
            audience = [self.client.user_pool_client_id]
        else:
            issuer, audience = settings.issuer, list(settings.audience)
        self.issuer = issuer
        self.authorizer = authorizers.HttpJwtAuthorizer(
            "JwtAuthorizer",
            issuer,
            jwt_audience=audience,
            identity_source=[IDENTITY_SOURCE],
        )

    @property
    def scopes(self) -> list[str]:
        return list(self.settings.scopes)

    def _build_user_pool(self, profile: Profile) -> tuple[cognito.UserPool, cognito.UserPoolClient]:
        pool = cognito.UserPool(
            self,
            "UserPool",
            # Users are created by an administrator (docs/deploy.md): nobody signs themselves
            # up to an API whose only writers are the people it was deployed for.
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(email=True),
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            deletion_protection=profile.deletion_protection,
            removal_policy=profile.removal_policy,
        )
        client = pool.add_client(
            "ApiClient",
            # A public client (a CLI, a browser, a phone): it could not keep a secret.
            generate_secret=False,
            # USER_PASSWORD_AUTH lets `aws cognito-idp initiate-auth` get a token for tests;
            # SRP is what an SDK sign-in uses.
            auth_flows=cognito.AuthFlow(user_password=True, user_srp=True),
            # No OAuth flows: CDK's default would allow the implicit grant to a placeholder
            # callback (https://example.com), and the pool has no hosted sign-in domain.
            disable_o_auth=True,
            prevent_user_existence_errors=True,
        )
        nag.acknowledge(
            pool,
            "COG2",
            "MFA is optional (TOTP) rather than required: the pool guards personal team lists "
            "of public Pokédex data, and required MFA would stop the documented CLI token "
            "flow; a strong password policy applies and each user can turn TOTP on.",
        )
        nag.acknowledge(
            pool,
            "COG8",
            "Essentials, not the Plus feature plan: Plus (threat protection) is billed per "
            "monthly active user, out of proportion to an API whose protected data is each "
            "user's own list of teams of public Pokémon.",
        )
        return pool, client
