"""The database tier: PostgreSQL behind RDS Proxy, the two secrets, and their security groups.

The PostgreSQL behind the proxy is an RDS instance (engine=postgres, the default) or an
Aurora cluster with a reader and the proxy's read-only endpoint (engine=aurora,
infra/aurora.py).

Security groups form a chain on 5432: clients (the function tier) reach only the proxy,
and only the proxy reaches the database. Two login roles exist: the owner (postgres, runs
migrations) and the application role (least privilege, used by the API function). Both
secrets are registered with the proxy, which logs in to PostgreSQL on the client's behalf.
"""

from __future__ import annotations

import json

from aws_cdk import Duration, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra import aurora, nag
from infra.engines import Engine
from infra.network import ISOLATED, Network
from infra.profiles import Profile
from pokedex import deadlines, pooling
from pokedex.function_spec import API_FUNCTION

ENGINE_VERSION = rds.PostgresEngineVersion.VER_17_9  # pinned minor: a bare "17" drifts
INSTANCE_TYPE = ec2.InstanceType.of(ec2.InstanceClass.BURSTABLE3, ec2.InstanceSize.MICRO)
ALLOCATED_STORAGE_GB = 20
# Storage autoscaling's ceiling: room for five times the start without anyone paged at night,
# and a bound on the bill (100 GB of gp2 is about $11.50 a month single-AZ).
MAX_ALLOCATED_STORAGE_GB = 100
DATABASE_NAME = "demoProxiedDB"
PORT = 5432
OWNER_USERNAME = "postgres"
# Relative to the function package, as DB_SSLROOTCERT takes it.
AMAZON_ROOT_CAS = "amazon-root-cas.pem"
APP_USERNAME = API_FUNCTION.database_role  # created by migrations/0003_app_role.sql


class Database(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        network: Network,
        profile: Profile,
        engine: Engine,
    ) -> None:
        super().__init__(scope, construct_id)
        self._profile = profile
        vpc = network.vpc
        # No default outbound rules: PostgreSQL opens no connections, and CDK adds the
        # proxy → database rule (both directions) when it attaches the proxy to the instance.
        self.security_group = ec2.SecurityGroup(
            self, "DatabaseSecurityGroup", vpc=vpc, allow_all_outbound=False,
            description="PostgreSQL: reachable from the proxy only",
        )  # fmt: skip
        self.proxy_security_group = ec2.SecurityGroup(
            self, "ProxySecurityGroup", vpc=vpc, allow_all_outbound=False,
            description="RDS Proxy: reachable from the function tier only",
        )  # fmt: skip
        # Kept with a retained database, which cannot exist without its security group.
        self.security_group.apply_removal_policy(profile.removal_policy)
        self.owner_secret = self._build_secret("OwnerSecret", OWNER_USERNAME)
        self.app_secret = self._build_secret("AppSecret", APP_USERNAME)
        # Exactly one of the two is built.
        self.instance: rds.DatabaseInstance | None = None
        self.cluster: rds.DatabaseCluster | None = None
        self.read_endpoint: rds.CfnDBProxyEndpoint | None = None
        if engine == "aurora":
            self.cluster = aurora.build_cluster(
                self, network=network, profile=profile, owner_secret=self.owner_secret,
                security_group=self.security_group, database_name=DATABASE_NAME, port=PORT,
            )  # fmt: skip
            self.proxy = self._build_proxy(network, rds.ProxyTarget.from_cluster(self.cluster))
            aurora.drop_redundant_cluster_dependency(self.proxy, self.cluster)
            self.read_endpoint = aurora.read_only_endpoint(
                self, proxy=self.proxy, network=network, security_group=self.proxy_security_group
            )
        else:
            self.instance = self._build_instance(network)
            self.proxy = self._build_proxy(network, rds.ProxyTarget.from_instance(self.instance))
        self._acknowledge_findings()

    @property
    def target(self) -> rds.DatabaseInstance | rds.DatabaseCluster:
        """What the proxy fronts: the instance or the cluster (with its instances)."""
        target = self.cluster or self.instance
        assert target is not None
        return target

    def _build_secret(self, construct_id: str, username: str) -> secretsmanager.Secret:
        # Letters and digits only (as in the original): safe in a connection string, a shell
        # command or the ALTER ROLE literal without any escaping.
        return secretsmanager.Secret(
            self,
            construct_id,
            description=f"PostgreSQL login of the {username} role",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps({"username": username}),
                generate_string_key="password",
                exclude_punctuation=True,
                include_space=False,
            ),
            removal_policy=self._profile.removal_policy,
        )

    def _build_instance(self, network: Network) -> rds.DatabaseInstance:
        profile = self._profile
        return rds.DatabaseInstance(
            self,
            "Instance",
            engine=rds.DatabaseInstanceEngine.postgres(version=ENGINE_VERSION),
            instance_type=INSTANCE_TYPE,
            allocated_storage=ALLOCATED_STORAGE_GB,
            max_allocated_storage=MAX_ALLOCATED_STORAGE_GB,
            storage_encrypted=True,
            database_name=DATABASE_NAME,
            port=PORT,
            credentials=rds.Credentials.from_secret(self.owner_secret),
            vpc=network.vpc,
            vpc_subnets=ISOLATED,
            security_groups=[self.security_group],
            publicly_accessible=False,
            multi_az=profile.multi_az,
            backup_retention=profile.backup_retention,
            deletion_protection=profile.deletion_protection,
            removal_policy=profile.removal_policy,
        )

    def _build_proxy(self, network: Network, target: rds.ProxyTarget) -> rds.DatabaseProxy:
        return rds.DatabaseProxy(
            self,
            "Proxy",
            # Proxy names are unique per account and region: one per stack, so dev and prod
            # can share an account.
            db_proxy_name=f"{Stack.of(self).stack_name}-proxy",
            proxy_target=target,
            secrets=[self.owner_secret, self.app_secret],
            vpc=network.vpc,
            vpc_subnets=ISOLATED,
            security_groups=[self.proxy_security_group],
            require_tls=True,
            # The default 120 s outlives the function (30 s): a client would be killed
            # waiting. One value with PgBouncer's query_wait_timeout (pokedex/deadlines.py).
            borrow_timeout=Duration.seconds(deadlines.BORROW_TIMEOUT_S),
            # RDS Proxy's defaults, written down: PgBouncer is configured from the same
            # numbers locally (pokedex/pooling.py).
            max_connections_percent=pooling.MAX_CONNECTIONS_PERCENT,
            max_idle_connections_percent=pooling.MAX_IDLE_CONNECTIONS_PERCENT,
        )

    def allow_client(self, client: ec2.SecurityGroup) -> None:
        """Let ``client`` reach the proxy (and nothing else of the database tier)."""
        self.proxy_security_group.add_ingress_rule(client, ec2.Port.tcp(PORT), "from functions")
        client.add_egress_rule(self.proxy_security_group, ec2.Port.tcp(PORT), "to RDS Proxy")

    def client_environment(self) -> dict[str, str]:
        """How a client reaches the database: through the proxy, over verified TLS.

        verify-full: the proxy's certificate (ACM, chaining to an Amazon root) must be valid
        for the proxy's endpoint name, checked against the root CAs shipped in the function
        package (src/pokedex/amazon-root-cas.pem), not fetched at run time.
        """
        return {
            "DB_ENDPOINT": self.proxy.endpoint,
            "DB_PORT": str(PORT),
            "DB_NAME": DATABASE_NAME,
            "DB_SSLMODE": "verify-full",
            "DB_SSLROOTCERT": AMAZON_ROOT_CAS,
        }

    def read_environment(self) -> dict[str, str]:
        """Where the API function sends its read-only queries: the proxy's read-only
        endpoint, if the database has one (same port, same TLS settings), else nothing."""
        if self.read_endpoint is None:
            return {}
        return {"DB_READ_ENDPOINT": self.read_endpoint.attr_endpoint}

    def _acknowledge_findings(self) -> None:
        for secret in (self.owner_secret, self.app_secret):
            nag.acknowledge(
                secret,
                "SMG4",
                "No automatic rotation: the rotation function would need its own route to "
                "the database, breaking the proxy-only chain. Rotation is a documented manual "
                "procedure (docs/deploy.md, 'Rotating the passwords').",
            )
        if not self._profile.deletion_protection:
            nag.acknowledge(self.target, "RDS10", "dev profile: a throwaway database destroyed "
                        "with the stack; prod turns deletion protection on.")  # fmt: skip
        if self.cluster is not None:
            nag.acknowledge(
                self.cluster,
                "RDS6",
                "No IAM database authentication: nothing but RDS Proxy reaches the cluster, "
                "and the proxy logs in with the two Secrets Manager passwords, as it does "
                "with engine=postgres; an IAM login path would go unused.",
            )
        if self.instance is None:
            return
        # The instance's findings: an Aurora cluster's storage spans three zones and its
        # reader is the standby, it always keeps a day of backups, and cdk-nag's RDS11
        # flags a provisioned Aurora cluster only on MySQL's port 3306.
        nag.acknowledge(
            self.instance,
            "RDS11",
            "Only the proxy's security group reaches the database; a non-default port "
            "would hide nothing from it and would diverge from the local PgBouncer setup.",
        )
        if not self._profile.multi_az:
            nag.acknowledge(self.instance, "RDS3", "dev profile: single AZ keeps the cost down; "
                        "prod turns Multi-AZ on.")  # fmt: skip
        if self._profile.backup_retention.to_days() == 0:
            nag.acknowledge(self.instance, "RDS13", "dev profile: no backups, the data is the "
                        "seed migration and can be rebuilt; prod keeps 7 days.")  # fmt: skip
