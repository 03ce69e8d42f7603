"""The function tier: the one factory every Lambda function of the stack is built with.

All functions share the runtime, the architecture, the code asset (handler package plus
psycopg) and the isolated subnets, so what differs between them is only their handler,
environment, timeout, grants and security group. Each function wears its own group, so the
database tier can tell the API (application role, request path) from the migration runner
(owner, deploy time) and a rule opened for one never opens a path for the other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Duration, triggers
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import nag
from infra.bundling import function_code
from infra.network import ISOLATED, Network
from infra.profiles import Profile
from pokedex.function_spec import API_FUNCTION

# psycopg-binary publishes cp314 manylinux aarch64 wheels, so the newest runtime on Graviton
# (cheaper per GB-second than x86_64): "arm64" in pokedex/function_spec.py.
RUNTIME = lambda_.Runtime.PYTHON_3_14
ARCHITECTURE = {"arm64": lambda_.Architecture.ARM_64, "x86_64": lambda_.Architecture.X86_64}[
    API_FUNCTION.architecture
]

_MANAGED_POLICY_REASON = (
    "AWS-managed {name}: the minimal CloudWatch Logs (and VPC network interface) permissions "
    "a function in a VPC needs; CDK attaches it and the ENI actions cannot be scoped to a "
    "resource, so a hand-written copy would be no narrower."
)


class FunctionTier(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, network: Network, profile: Profile
    ) -> None:
        super().__init__(scope, construct_id)
        self.network = network
        self._profile = profile
        self.code = function_code(RUNTIME, ARCHITECTURE)

    def security_group(
        self, scope: Construct, construct_id: str, *, description: str
    ) -> ec2.SecurityGroup:
        """A group for one function: no outbound rule but HTTPS to Secrets Manager.

        The other outbound rules are added per destination (``Database.allow_client``).
        """
        group = ec2.SecurityGroup(
            scope, construct_id, vpc=self.network.vpc, allow_all_outbound=False,
            description=description,
        )  # fmt: skip
        self.network.allow_secrets_access(group)
        return group

    def function(
        self,
        scope: Construct,
        construct_id: str,
        *,
        handler: str,
        description: str,
        environment: Mapping[str, str],
        timeout: Duration,
        security_group: ec2.ISecurityGroup,
        reserved_concurrency: int | None = None,
        memory_mb: int | None = None,
        run_at_deploy_after: Sequence[Construct] | None = None,
    ) -> lambda_.Function:
        """A function of the tier; with ``run_at_deploy_after`` it is also invoked at deploy.

        A deploy-time function runs again whenever its handler or code (the asset, which
        holds the migrations) changes.
        """
        log_group = logs.LogGroup(
            scope,
            f"{construct_id}Logs",
            retention=self._profile.log_retention,
            removal_policy=self._profile.removal_policy,
        )
        props: dict[str, Any] = {
            "runtime": RUNTIME,
            "architecture": ARCHITECTURE,
            "code": self.code,
            "handler": handler,
            "description": description,
            "environment": dict(environment),
            "timeout": timeout,
            "vpc": self.network.vpc,
            "vpc_subnets": ISOLATED,
            "security_groups": [security_group],
            "log_group": log_group,
            "reserved_concurrent_executions": reserved_concurrency,
            "memory_size": memory_mb,  # None: Lambda's default, 128 MB
        }
        if run_at_deploy_after is None:
            fn = lambda_.Function(scope, construct_id, **props)
        else:
            fn = triggers.TriggerFunction(
                scope,
                construct_id,
                execute_after=list(run_at_deploy_after),
                execute_on_handler_change=True,
                **props,
            )
        for name in ("AWSLambdaBasicExecutionRole", "AWSLambdaVPCAccessExecutionRole"):
            nag.acknowledge(
                fn,
                f"IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/{name}]",
                _MANAGED_POLICY_REASON.format(name=name),
            )
        return fn
