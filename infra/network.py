"""The network: a VPC of two isolated subnets (/27 each, /26 with engine=aurora) and no
route to the internet.

Nothing in the stack talks to the internet. The one AWS API the functions need (Secrets
Manager) is reached through an interface endpoint, so no NAT gateway is paid for.

The subnets are pinned to two zones by zone ID (``infra/zones.py``): RDS Proxy is not offered
in every zone, and the zone *names* (us-east-1a...) map to different physical zones in each
account, so only IDs can avoid the ones it lacks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from aws_cdk import Aws, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra import zones
from infra.engines import Engine
from infra.profiles import Profile

# Each subnet must hold (`python -m infra.address_budget`) 20 addresses with engine=postgres
# (5 reserved by AWS, the endpoint, two Hyperplane interfaces, the DB instance and its
# replacement, and the 10 RDS Proxy needs free): a /28 has 16, a /27 32. With engine=aurora,
# 42: a second DB instance, the proxy's free addresses for it and the read-only endpoint's
# do not fit in a /27. The VPC is exactly the two subnets.
SUBNET_MASKS: dict[Engine, int] = {"postgres": 27, "aurora": 26}


def vpc_cidr(engine: Engine) -> str:
    """Room for exactly two subnets of the engine's size."""
    return f"10.0.0.0/{SUBNET_MASKS[engine] - 1}"


AZ_COUNT = zones.ZONE_COUNT  # RDS subnet groups and RDS Proxy both require two AZs
ISOLATED = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)


class Network(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        profile: Profile,
        engine: Engine,
        zone_ids: Sequence[str] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(vpc_cidr(engine)),
            max_azs=AZ_COUNT,
            nat_gateways=0,
            subnet_configuration=[
                ec2.SubnetConfiguration(
                    name="isolated",
                    subnet_type=ec2.SubnetType.PRIVATE_ISOLATED,
                    cidr_mask=SUBNET_MASKS[engine],
                )
            ],
            # Same as the default (true), stated because the endpoint's private DNS needs it.
            enable_dns_hostnames=True,
            enable_dns_support=True,
        )
        # The database lives in these subnets: when it is retained (prod), they and the VPC
        # must outlive the stack too, or deleting the stack fails on resources in use.
        for resource in (self.vpc, *self.vpc.isolated_subnets):
            resource.apply_removal_policy(profile.removal_policy)
        self._pin_zones(zone_ids)
        self._build_flow_logs(profile)
        self.secrets_endpoint = self._build_secrets_endpoint()

    def _pin_zones(self, zone_ids: Sequence[str] | None) -> None:
        """Place the subnets by zone ID instead of the first two zone names of Fn::GetAZs."""
        pinned = zones.subnet_zone_ids(self, Stack.of(self).region, zone_ids)
        for subnet, zone_id in zip(self.vpc.isolated_subnets, pinned, strict=True):
            cfn_subnet = subnet.node.default_child
            assert isinstance(cfn_subnet, ec2.CfnSubnet)
            # A subnet takes either AvailabilityZone or AvailabilityZoneId, not both.
            cfn_subnet.add_property_deletion_override("AvailabilityZone")
            cfn_subnet.availability_zone_id = zone_id

    def _build_flow_logs(self, profile: Profile) -> None:
        log_group = logs.LogGroup(
            self,
            "FlowLogs",
            retention=profile.log_retention,
            removal_policy=profile.removal_policy,
        )
        self.vpc.add_flow_log(
            "FlowLog",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(log_group),
            traffic_type=ec2.FlowLogTrafficType.ALL,
        )

    def _build_secrets_endpoint(self) -> ec2.InterfaceVpcEndpoint:
        # open=False: callers are let in one security group at a time (allow_from), not
        # the whole VPC CIDR.
        return self.vpc.add_interface_endpoint(
            "SecretsManager",
            service=ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
            subnets=ISOLATED,
            private_dns_enabled=True,
            open=False,
        )

    def allow_secrets_access(self, peer: ec2.IConnectable) -> None:
        """Let ``peer`` reach Secrets Manager (HTTPS to the endpoint)."""
        self.secrets_endpoint.connections.allow_default_port_from(peer)

    def limit_secrets_endpoint_to(self, secrets: Iterable[secretsmanager.ISecret]) -> None:
        """Let the endpoint serve reads of ``secrets`` by this account's principals, only.

        Without a policy an endpoint allows every action on every secret of every account:
        code in the VPC could read (or write) any secret its credentials reach. IAM still
        decides who may read which of these; the endpoint adds a second fence.
        """
        self.secrets_endpoint.add_to_policy(
            iam.PolicyStatement(
                # Endpoint policies take a principal; "*" narrowed by the account condition.
                principals=[iam.AnyPrincipal()],
                actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                resources=[secret.secret_arn for secret in secrets],
                conditions={"StringEquals": {"aws:PrincipalAccount": Aws.ACCOUNT_ID}},
            )
        )
