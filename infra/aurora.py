"""engine=aurora: an Aurora PostgreSQL cluster (a writer, a reader) and the proxy's
read-only endpoint, which spreads the Pokédex reads over the cluster's readers.

Same network, secrets and security groups as the RDS instance (infra/database.py builds
them); only the target and the extra endpoint differ.
"""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.network import ISOLATED, Network
from infra.profiles import Profile

ENGINE_VERSION = rds.AuroraPostgresEngineVersion.VER_17_9  # pinned minor, as for RDS
# The smallest class Aurora PostgreSQL offers (cfn-lint's per-region table of Aurora classes
# starts at db.t3.medium and db.t4g.medium); Graviton, like the functions.
INSTANCE_TYPE = ec2.InstanceType.of(ec2.InstanceClass.BURSTABLE4_GRAVITON, ec2.InstanceSize.MEDIUM)
# Aurora keeps at least one day of backups whatever is asked: the dev profile's 0 means 1.
MIN_BACKUP_RETENTION = Duration.days(1)
# max_connections on Aurora PostgreSQL is LEAST(DBInstanceClassMemory/9531392, 5000): about
# 400 on a 4 GiB db.t4g.medium, per instance.
MAX_CONNECTIONS_PER_INSTANCE = 400


def build_cluster(
    scope: Construct,
    *,
    network: Network,
    profile: Profile,
    owner_secret: secretsmanager.ISecret,
    security_group: ec2.ISecurityGroup,
    database_name: str,
    port: int,
) -> rds.DatabaseCluster:
    retention = profile.backup_retention
    if retention.to_days() < MIN_BACKUP_RETENTION.to_days():
        retention = MIN_BACKUP_RETENTION
    return rds.DatabaseCluster(
        scope,
        "Cluster",
        engine=rds.DatabaseClusterEngine.aurora_postgres(version=ENGINE_VERSION),
        writer=rds.ClusterInstance.provisioned(
            "Writer", instance_type=INSTANCE_TYPE, publicly_accessible=False
        ),
        # The reader behind the proxy's read-only endpoint, and the failover target:
        # promotion tier 1, the writer's default 0 ranking first.
        readers=[
            rds.ClusterInstance.provisioned(
                "Reader", instance_type=INSTANCE_TYPE, publicly_accessible=False, promotion_tier=1
            )
        ],
        default_database_name=database_name,
        port=port,
        credentials=rds.Credentials.from_secret(owner_secret),
        vpc=network.vpc,
        vpc_subnets=ISOLATED,
        security_groups=[security_group],
        storage_encrypted=True,
        backup=rds.BackupProps(retention=retention),
        deletion_protection=profile.deletion_protection,
        removal_policy=profile.removal_policy,
    )


def drop_redundant_cluster_dependency(
    proxy: rds.DatabaseProxy, cluster: rds.DatabaseCluster
) -> None:
    """The proxy's target group waits for the cluster's instances, not also for the cluster.

    CDK makes it depend on every resource of the cluster construct; the one on the cluster
    itself is already implied by the group's Ref to it, and cfn-lint warns about it (W3005).
    The instances are the dependencies that matter: a target without them is unavailable.
    """
    instances = [child for child in cluster.node.find_all() if isinstance(child, rds.CfnDBInstance)]
    _target_group(proxy).add_override("DependsOn", [instance.logical_id for instance in instances])


def _target_group(proxy: rds.DatabaseProxy) -> rds.CfnDBProxyTargetGroup:
    """The proxy's target group, which CDK makes when the proxy is given its cluster."""
    target_group = proxy.node.find_child("ProxyTargetGroup")
    assert isinstance(target_group, rds.CfnDBProxyTargetGroup)
    return target_group


def read_only_endpoint(
    scope: Construct,
    *,
    proxy: rds.DatabaseProxy,
    network: Network,
    security_group: ec2.ISecurityGroup,
) -> rds.CfnDBProxyEndpoint:
    """A proxy endpoint whose connections go to the cluster's readers (no CDK L2 exists).

    It sits in the proxy's subnets (two zones, as RDS Proxy requires) and wears the proxy's
    security group, so whoever may reach the proxy may reach it, and nobody else.
    """
    endpoint = rds.CfnDBProxyEndpoint(
        scope,
        "ReadOnlyEndpoint",
        # Unique per account and region, like the proxy's name: one per stack.
        db_proxy_endpoint_name=f"{Stack.of(scope).stack_name}-read-only",
        db_proxy_name=proxy.db_proxy_name,
        vpc_subnet_ids=[subnet.subnet_id for subnet in network.vpc.isolated_subnets],
        vpc_security_group_ids=[security_group.security_group_id],
        target_role="READ_ONLY",
    )
    # Created once the proxy has its target: the endpoint has nothing to serve before.
    endpoint.node.add_dependency(_target_group(proxy))
    return endpoint
