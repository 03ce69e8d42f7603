"""The chain on 5432: functions → proxy → database, and nothing else reaches the database.

The API function and the migration runner wear separate groups (one group shared by both
made every rule for one a rule for the other).
"""

import pytest

pytestmark = pytest.mark.infra


def _group_id(ref):
    return ref["Fn::GetAtt"][0]


def _rules(synth, direction):
    """(group, peer group, from port, to port) of every rule, inline or standalone."""
    cfn_type = f"AWS::EC2::SecurityGroup{direction}"
    peer_key = "SourceSecurityGroupId" if direction == "Ingress" else "DestinationSecurityGroupId"
    rules = set()
    for props in (r["Properties"] for r in synth.resources(cfn_type).values()):
        peer = props.get(peer_key)
        rules.add(
            (
                _group_id(props["GroupId"]),
                _group_id(peer) if peer else props.get("CidrIp"),
                str(props["FromPort"]),
                str(props["ToPort"]),
            )
        )
    for group_id, group in synth.resources("AWS::EC2::SecurityGroup").items():
        for rule in group["Properties"].get(f"SecurityGroup{direction}", []):
            if rule.get("Description") == "Disallow all traffic":
                continue  # CDK's placeholder for "no outbound rules"
            rules.add((group_id, rule.get("CidrIp"), str(rule.get("FromPort")), "?"))
    return rules


@pytest.fixture(scope="module")
def groups(dev):
    stack = dev.stack
    return {
        "database": dev.logical_id(stack.database.security_group),
        "proxy": dev.logical_id(stack.database.proxy_security_group),
        "api": dev.logical_id(stack.api.security_group),
        "runner": dev.logical_id(stack.migrations.security_group),
        "endpoint": dev.logical_id(stack.network.secrets_endpoint.connections.security_groups[0]),
    }


def test_five_security_groups(dev, groups):
    assert set(dev.resources("AWS::EC2::SecurityGroup")) == set(groups.values())
    assert len(set(groups.values())) == 5


def test_exact_ingress_rules(dev, groups):
    g = groups
    # The database's port is 5432 and its one rule uses it through Endpoint.Port.
    db_id, db = dev.one("AWS::RDS::DBInstance")
    assert db["Properties"]["Port"] == "5432"
    db_port = str({"Fn::GetAtt": [db_id, "Endpoint.Port"]})
    assert _rules(dev, "Ingress") == {
        (g["database"], g["proxy"], db_port, db_port),
        (g["proxy"], g["api"], "5432", "5432"),
        (g["proxy"], g["runner"], "5432", "5432"),
        (g["endpoint"], g["api"], "443", "443"),
        (g["endpoint"], g["runner"], "443", "443"),
        (g["endpoint"], g["proxy"], "443", "443"),
    }


def test_exact_egress_rules(dev, groups):
    g = groups
    db_id, _ = dev.one("AWS::RDS::DBInstance")
    db_port = str({"Fn::GetAtt": [db_id, "Endpoint.Port"]})
    assert _rules(dev, "Egress") == {
        (g["api"], g["proxy"], "5432", "5432"),
        (g["api"], g["endpoint"], "443", "443"),
        (g["runner"], g["proxy"], "5432", "5432"),
        (g["runner"], g["endpoint"], "443", "443"),
        (g["proxy"], g["database"], db_port, db_port),
        (g["proxy"], g["endpoint"], "443", "443"),
        # The endpoint's own group (CDK default); an endpoint never opens connections.
        (g["endpoint"], "0.0.0.0/0", "None", "?"),
    }


def test_each_tier_wears_its_own_group(dev, groups):
    ref = {"Fn::GetAtt": [groups["database"], "GroupId"]}
    _, db = dev.one("AWS::RDS::DBInstance")
    assert db["Properties"]["VPCSecurityGroups"] == [ref]
    _, proxy = dev.one("AWS::RDS::DBProxy")
    assert proxy["Properties"]["VpcSecurityGroupIds"] == [
        {"Fn::GetAtt": [groups["proxy"], "GroupId"]}
    ]
    for function, group in (
        (dev.stack.api.function, groups["api"]),
        (dev.stack.migrations.function, groups["runner"]),
    ):
        props = dev.json["Resources"][dev.logical_id(function)]["Properties"]
        assert props["VpcConfig"]["SecurityGroupIds"] == [{"Fn::GetAtt": [group, "GroupId"]}]
    in_vpc = [
        f for f in dev.resources("AWS::Lambda::Function").values() if "VpcConfig" in f["Properties"]
    ]
    assert len(in_vpc) == 2
