"""The API: the Pokédex function behind an HTTP API, one route per entry of the route table."""

from __future__ import annotations

import json

import jsii
from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import nag
from infra.auth import Auth
from infra.database import Database
from infra.functions import FunctionTier
from infra.profiles import Profile
from pokedex.function_spec import API_FUNCTION
from pokedex.routes import ROUTES

HANDLER = API_FUNCTION.handler
TIMEOUT = Duration.seconds(API_FUNCTION.timeout_s)

# One JSON object per request, HTTP API $context variables only.
_ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "requestTime": "$context.requestTime",
        "httpMethod": "$context.httpMethod",
        "routeKey": "$context.routeKey",
        "status": "$context.status",
        "protocol": "$context.protocol",
        "responseLength": "$context.responseLength",
        "responseLatency": "$context.responseLatency",
        "integrationLatency": "$context.integrationLatency",
        "integrationError": "$context.integrationErrorMessage",
    }
)


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogs:
    """IAccessLogSettings is a jsii interface, not a struct: Python needs a class for it."""

    def __init__(self, log_group: logs.ILogGroup) -> None:
        self._log_group = log_group

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return apigwv2.LogGroupLogDestination(self._log_group)

    @property
    def format(self) -> apigw.AccessLogFormat:
        return apigw.AccessLogFormat.custom(_ACCESS_LOG_FORMAT)


def _specified(environment: dict[str, str]) -> dict[str, str]:
    """The environment, if it sets exactly the variables the specification names: `make
    run` gives the function the same names (pokedex_local/run.py). The read endpoint's
    variables are optional: only a database with a read-only endpoint (engine=aurora) sets
    them, and the function falls back to DB_ENDPOINT without them."""
    if set(environment) - set(API_FUNCTION.optional_environment) != set(API_FUNCTION.environment):
        raise ValueError(
            f"the API function's environment {sorted(environment)} is not the one "
            f"pokedex/function_spec.py specifies: {sorted(API_FUNCTION.environment)}"
        )
    return environment


class Api(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        tier: FunctionTier,
        database: Database,
        auth: Auth,
        profile: Profile,
    ) -> None:
        super().__init__(scope, construct_id)
        self.security_group = tier.security_group(
            self, "FunctionSecurityGroup",
            description="API function: reaches the RDS Proxy and Secrets Manager only",
        )  # fmt: skip
        database.allow_client(self.security_group)
        self.function = tier.function(
            self,
            "Function",
            handler=HANDLER,
            description="Pokédex HTTP API handler (logs in as the application role)",
            environment=_specified(
                {
                    **database.client_environment(),
                    **database.read_environment(),
                    "SECRET": database.app_secret.secret_arn,
                }
            ),
            timeout=TIMEOUT,
            memory_mb=API_FUNCTION.memory_mb,
            security_group=self.security_group,
            # A ceiling on environments, hence on proxy client connections and on the bill;
            # the stage's throttle below turns excess traffic into 429s before it gets here.
            reserved_concurrency=profile.api_concurrency,
        )
        # Its own secret only: the owner's password never reaches the request path.
        database.app_secret.grant_read(self.function)
        self.http_api = apigwv2.HttpApi(
            self,
            "HttpApi",
            description="Proxied Pokédex",
            create_default_stage=False,  # the stage below is the default one, with access logs
        )
        self.stage = self._build_default_stage(profile)
        self._build_routes(auth)

    def _build_default_stage(self, profile: Profile) -> apigwv2.HttpStage:
        access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            retention=profile.log_retention,
            removal_policy=profile.removal_policy,
        )
        return apigwv2.HttpStage(
            self,
            "DefaultStage",
            http_api=self.http_api,
            stage_name="$default",
            auto_deploy=True,
            access_log_settings=_AccessLogs(access_logs),
            throttle=apigwv2.ThrottleSettings(
                rate_limit=profile.api_rate_limit, burst_limit=profile.api_burst_limit
            ),
        )

    def _build_routes(self, auth: Auth) -> None:
        integration = integrations.HttpLambdaIntegration("Pokedex", self.function)
        for route in ROUTES:
            # Team routes: API Gateway answers 401 unless a valid token comes along, and the
            # function takes the caller from the token's claims. The rest: no authorizer.
            added = self.http_api.add_routes(
                path=route.path,
                methods=[apigwv2.HttpMethod(route.method)],
                integration=integration,
                authorizer=auth.authorizer if route.auth else None,
                authorization_scopes=(auth.scopes or None) if route.auth else None,
            )
            if route.auth:
                continue
            for http_route in added:
                # Acknowledged route by route (not on the whole API), so that a team route
                # left without its authorizer would still be reported.
                nag.acknowledge(
                    http_route,
                    "APIG4",
                    "A public route by design: the Pokédex reads serve public data to "
                    "anyone, and an ANY route only answers 405 (with or without a token).",
                )

    @property
    def url(self) -> str:
        return self.stage.url
