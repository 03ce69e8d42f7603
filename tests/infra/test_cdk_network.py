import ipaddress

import pytest
from aws_cdk.assertions import Match

pytestmark = pytest.mark.infra


def test_vpc_is_a_slash_26_exactly_holding_its_two_subnets(synth):
    synth.template.has_resource_properties("AWS::EC2::VPC", {"CidrBlock": "10.0.0.0/26"})
    assert len(synth.resources("AWS::EC2::VPC")) == 1


def test_only_two_isolated_slash_27_subnets_in_two_azs(synth):
    subnets = synth.resources("AWS::EC2::Subnet").values()
    assert len(subnets) == 2
    for subnet in subnets:
        props = subnet["Properties"]
        assert ipaddress.ip_network(props["CidrBlock"]).prefixlen == 27
        assert props["MapPublicIpOnLaunch"] is False
        assert {"Key": "aws-cdk:subnet-type", "Value": "Isolated"} in props["Tags"]
    azs = [str(s["Properties"]["AvailabilityZoneId"]) for s in subnets]
    assert len(set(azs)) == 2


def test_no_route_to_the_internet(synth):
    for cfn_type in (
        "AWS::EC2::InternetGateway",
        "AWS::EC2::VPCGatewayAttachment",
        "AWS::EC2::NatGateway",
        "AWS::EC2::EIP",
        "AWS::EC2::Route",
    ):
        assert synth.resources(cfn_type) == {}, cfn_type


def test_secrets_manager_is_reached_through_an_interface_endpoint(synth):
    synth.template.has_resource_properties(
        "AWS::EC2::VPCEndpoint",
        {
            "VpcEndpointType": "Interface",
            "PrivateDnsEnabled": True,
            "ServiceName": {"Fn::Join": ["", Match.array_with([".secretsmanager"])]},
        },
    )
    assert len(synth.resources("AWS::EC2::VPCEndpoint")) == 1


def test_vpc_flow_logs_go_to_a_log_group_with_retention(synth):
    _, flow_log = synth.one("AWS::EC2::FlowLog")
    props = flow_log["Properties"]
    assert props["TrafficType"] == "ALL"
    log_group_id = props["LogGroupName"]["Ref"]
    assert "RetentionInDays" in synth.json["Resources"][log_group_id]["Properties"]


def test_the_secrets_endpoint_serves_reads_of_the_stacks_two_secrets_only(synth):
    database = synth.stack.database
    _, endpoint = synth.one("AWS::EC2::VPCEndpoint")
    [statement] = endpoint["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert sorted(statement["Action"]) == [
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
    ]
    assert sorted(map(str, statement["Resource"])) == sorted(
        str({"Ref": synth.logical_id(secret)})
        for secret in (database.owner_secret, database.app_secret)
    )
    assert statement["Condition"] == {
        "StringEquals": {"aws:PrincipalAccount": {"Ref": "AWS::AccountId"}}
    }
