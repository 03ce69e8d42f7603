"""cdk.json carries every feature flag aws-cdk-lib recommends to a new app (issue 10)."""

import json
import tarfile
from pathlib import Path

import aws_cdk
import pytest

from infra.application import cdk_json_context

pytestmark = pytest.mark.infra


def _recommended_flags():
    """recommended-feature-flags.json of the installed aws-cdk-lib (what `cdk init` writes)."""
    [bundle] = (Path(aws_cdk.__file__).parent / "_jsii").glob("aws-cdk-lib@*.jsii.tgz")
    with tarfile.open(bundle) as tar:
        member = tar.extractfile("package/recommended-feature-flags.json")
        assert member is not None
        return json.load(member)


def test_cdk_json_sets_every_recommended_flag_to_its_recommended_value():
    # Fails after an aws-cdk-lib upgrade that adds flags: review and add them.
    recommended = _recommended_flags()
    context = cdk_json_context()
    assert len(recommended) > 80
    assert {k: context.get(k) for k in recommended} == recommended


def test_the_app_is_built_with_the_flags(dev):
    assert dev.stack.node.try_get_context("@aws-cdk/aws-iam:minimizePolicies") is True


def test_the_vpcs_default_security_group_is_stripped_of_rules(synth):
    # @aws-cdk/aws-ec2:restrictDefaultSecurityGroup: a custom resource removes the default
    # group's rules, so nothing launched without a group can talk to anything.
    vpc_id, _ = synth.one("AWS::EC2::VPC")
    _, restrict = synth.one("Custom::VpcRestrictDefaultSG")
    assert restrict["Properties"]["DefaultSecurityGroupId"] == {
        "Fn::GetAtt": [vpc_id, "DefaultSecurityGroup"]
    }
