"""Migrations at deploy: the same runner as the local stack, invoked by a CDK trigger.

The runner connects through the proxy as the owner (so the security-group chain holds:
nothing but the proxy reaches the database), applies the pending migrations and creates or
updates the application role with the password from the application secret.
"""

from __future__ import annotations

from aws_cdk import Duration, triggers
from constructs import Construct

from infra.database import Database
from infra.functions import FunctionTier

HANDLER = "pokedex.migrate_handler.handler"
# Room for the seed data and for the proxy's first connection to a brand-new instance;
# well under the trigger provider's 15-minute limit.
TIMEOUT = Duration.minutes(5)


class Migrations(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, tier: FunctionTier, database: Database
    ) -> None:
        super().__init__(scope, construct_id)
        self.security_group = tier.security_group(
            self, "RunnerSecurityGroup",
            description="Migration runner: reaches the RDS Proxy and Secrets Manager only",
        )  # fmt: skip
        database.allow_client(self.security_group)
        function = tier.function(
            self,
            "Runner",
            handler=HANDLER,
            description="Applies src/pokedex/migrations through RDS Proxy at deploy time",
            environment={
                **database.client_environment(),
                "SECRET": database.owner_secret.secret_arn,
                "APP_SECRET": database.app_secret.secret_arn,
            },
            timeout=TIMEOUT,
            security_group=self.security_group,
            # The proxy's target group is a child of the proxy construct, so this waits for
            # the target registration too; a cluster's instances are children of the cluster.
            # Only the writer's endpoint: migrations write (no DB_READ_ENDPOINT here).
            run_at_deploy_after=[database.target, database.proxy],
        )
        assert isinstance(function, triggers.TriggerFunction)  # run_at_deploy_after made it one
        self.function = function
        database.owner_secret.grant_read(self.function)
        database.app_secret.grant_read(self.function)
        # The run needs a path to Secrets Manager (the endpoint and its policy) and to the
        # database (every rule of the chain runner → proxy → database): without these the
        # first deployment can invoke it before the path exists and fail on a timeout.
        self.function.execute_after(
            tier.network.secrets_endpoint,
            self.security_group,
            database.proxy_security_group,
            database.security_group,
        )

    @property
    def trigger(self) -> triggers.Trigger:
        """The deploy-time run itself (what must finish before the API takes traffic)."""
        return self.function.trigger
