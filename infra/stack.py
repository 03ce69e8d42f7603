"""The Proxied Pokédex stack: one construct per capability, wired together here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Aspects, CfnOutput, Stack
from constructs import Construct

from infra.api import Api
from infra.auth import Auth
from infra.auth_settings import AuthSettings
from infra.dashboard import Dashboard
from infra.database import Database
from infra.depends_on import DropOwnRoleDependsOn
from infra.engines import DEFAULT_ENGINE, Engine
from infra.functions import FunctionTier
from infra.migrations import Migrations
from infra.monitoring import Monitoring
from infra.network import Network
from infra.profiles import Profile


class PokedexStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        profile: Profile,
        engine: Engine = DEFAULT_ENGINE,
        auth: AuthSettings | None = None,
        zone_ids: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.profile = profile
        self.engine = engine
        self.zone_ids = zone_ids
        self.network = self._build_network()
        self.database = self._build_database()
        self.function_tier = self._build_function_tier()
        self.auth = Auth(self, "Auth", settings=auth or AuthSettings(), profile=profile)
        self.api = self._build_api()
        self.migrations = self._build_migrations()
        self.monitoring = self._build_monitoring()
        self.dashboard = self._build_dashboard()
        self._build_outputs()
        Aspects.of(self).add(DropOwnRoleDependsOn())

    def _build_network(self) -> Network:
        return Network(
            self, "Network", profile=self.profile, engine=self.engine, zone_ids=self.zone_ids
        )

    def _build_database(self) -> Database:
        database = Database(
            self, "Database", network=self.network, profile=self.profile, engine=self.engine
        )
        # Harmless if RDS Proxy reads its secrets over AWS's own network, needed if it does
        # so from its network interfaces in these subnets.
        self.network.allow_secrets_access(database.proxy_security_group)
        self.network.limit_secrets_endpoint_to([database.owner_secret, database.app_secret])
        return database

    def _build_function_tier(self) -> FunctionTier:
        return FunctionTier(self, "Functions", network=self.network, profile=self.profile)

    def _build_api(self) -> Api:
        return Api(
            self,
            "Api",
            tier=self.function_tier,
            database=self.database,
            auth=self.auth,
            profile=self.profile,
        )

    def _build_migrations(self) -> Migrations:
        migrations = Migrations(self, "Migrations", tier=self.function_tier, database=self.database)
        # The API function is created (and starts taking traffic) only once the schema
        # and the application role it logs in as exist.
        # (On the function resource alone: its role and policy need not wait.)
        api_function = self.api.function.node.default_child
        assert api_function is not None
        api_function.node.add_dependency(migrations.trigger)
        return migrations

    def _build_monitoring(self) -> Monitoring:
        return Monitoring(
            self,
            "Monitoring",
            proxy=self.database.proxy,
            target=self.database.target,
            function=self.api.function,
            http_api=self.api.http_api,
            profile=self.profile,
        )

    def _build_dashboard(self) -> Dashboard:
        return Dashboard(
            self,
            "Dashboard",
            http_api=self.api.http_api,
            function=self.api.function,
            proxy=self.database.proxy,
            target=self.database.target,
        )

    def _build_outputs(self) -> None:
        CfnOutput(self, "APIEndpoint", value=self.api.url, description="Base URL of the API")
        CfnOutput(self, "AlarmTopic", value=self.monitoring.topic.topic_arn,
                  description="Subscribe to receive the alarms")  # fmt: skip
        CfnOutput(self, "JwtIssuer", value=self.auth.issuer,
                  description="Issuer whose tokens the team routes accept")  # fmt: skip
        if self.auth.user_pool is not None and self.auth.client is not None:
            CfnOutput(self, "UserPoolId", value=self.auth.user_pool.user_pool_id,
                      description="Cognito user pool of the API's users")  # fmt: skip
            CfnOutput(self, "UserPoolClientId", value=self.auth.client.user_pool_client_id,
                      description="App client id: the tokens' audience")  # fmt: skip
