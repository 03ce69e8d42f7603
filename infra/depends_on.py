"""Drops the DependsOn a Lambda function declares on its own execution role.

CDK makes every function depend on its role construct (the role and its default policy).
The function already references the role through ``Fn::GetAtt``, so DependsOn on the role
is redundant and cfn-lint warns about it (W3005); the one on the policy is kept, because
it is what makes the function wait for its grants.
"""

from __future__ import annotations

import jsii
from aws_cdk import CfnResource, IAspect, IStableListProducer, Lazy
from constructs import IConstruct

_FUNCTION = "AWS::Lambda::Function"
_ROLE = "AWS::IAM::Role"


@jsii.implements(IStableListProducer)
class _DependsOnWithoutOwnRole:
    def __init__(self, function: CfnResource) -> None:
        self._function = function

    def produce(self) -> list[str] | None:
        # Called while the template is written, after CDK has turned construct
        # dependencies into resource dependencies.
        # The function's own role lives inside the construct that owns the function:
        # Function/ServiceRole for lambda.Function, Provider/Role for CDK's providers.
        parent = self._function.node.path.rpartition("/")[0] + "/"
        dependencies = [
            dependency
            for dependency in self._function.obtain_dependencies()
            if isinstance(dependency, CfnResource)
            and not (
                dependency.cfn_resource_type == _ROLE and dependency.node.path.startswith(parent)
            )
        ]
        # Same order as CDK renders DependsOn: by construct path.
        return [d.logical_id for d in sorted(dependencies, key=lambda d: d.node.path)]


@jsii.implements(IAspect)
class DropOwnRoleDependsOn:
    """Apply to a stack: every function in it loses the DependsOn on its own role."""

    def visit(self, node: IConstruct) -> None:
        if isinstance(node, CfnResource) and node.cfn_resource_type == _FUNCTION:
            node.add_override(
                "DependsOn", Lazy.list(_DependsOnWithoutOwnRole(node), omit_empty=True)
            )
