"""engine=aurora: an Aurora PostgreSQL 17 cluster behind RDS Proxy, whose read-only endpoint
serves the API function's reads (issue 13). The default engine has none of it."""

import pytest

from infra.api import _specified
from infra.application import create_app
from pokedex.function_spec import API_FUNCTION

pytestmark = pytest.mark.infra

SKIP_BUNDLING = {"aws:cdk:bundling-stacks": []}


def _subnet_refs(synth):
    return sorted(str({"Ref": logical_id}) for logical_id in synth.resources("AWS::EC2::Subnet"))


def _environment(synth, function):
    props = synth.json["Resources"][synth.logical_id(function)]["Properties"]
    return props["Environment"]["Variables"]


def test_an_encrypted_aurora_postgresql_17_cluster_in_the_isolated_subnets(aurora):
    _, cluster = aurora.one("AWS::RDS::DBCluster")
    props = cluster["Properties"]
    assert props["Engine"] == "aurora-postgresql"
    major, minor = props["EngineVersion"].split(".")
    assert major == "17"
    assert minor.isdigit()
    assert props["StorageEncrypted"] is True
    assert props["DatabaseName"] == "demoProxiedDB"
    group = aurora.json["Resources"][props["DBSubnetGroupName"]["Ref"]]
    assert sorted(map(str, group["Properties"]["SubnetIds"])) == _subnet_refs(aurora)
    db_group = aurora.logical_id(aurora.stack.database.security_group)
    assert props["VpcSecurityGroupIds"] == [{"Fn::GetAtt": [db_group, "GroupId"]}]
    owner = aurora.logical_id(aurora.stack.database.owner_secret)
    assert {"Ref": owner} in props["MasterUsername"]["Fn::Join"][1]


def test_a_writer_and_a_reader_in_the_cluster(aurora):
    cluster_id, _ = aurora.one("AWS::RDS::DBCluster")
    instances = [r["Properties"] for r in aurora.resources("AWS::RDS::DBInstance").values()]
    assert len(instances) >= 2
    for props in instances:
        assert props["DBClusterIdentifier"] == {"Ref": cluster_id}
        assert props["Engine"] == "aurora-postgresql"
        assert props["DBInstanceClass"] == "db.t4g.medium"
        assert props["PubliclyAccessible"] is False
    # The writer ranks first for failover; a reader ranks after it.
    tiers = sorted(props["PromotionTier"] for props in instances)
    assert tiers[0] == 0
    assert tiers[-1] >= 1


def test_backups_as_the_profile_says_and_at_least_the_day_aurora_keeps(aurora):
    _, cluster = aurora.one("AWS::RDS::DBCluster")
    expected = {"dev": 1, "prod": 7}[aurora.profile]
    assert cluster["Properties"]["BackupRetentionPeriod"] == expected
    assert cluster["DeletionPolicy"] == {"dev": "Delete", "prod": "Retain"}[aurora.profile]
    assert cluster["Properties"]["DeletionProtection"] is (aurora.profile == "prod")


def test_the_proxy_targets_the_cluster(aurora):
    cluster_id, _ = aurora.one("AWS::RDS::DBCluster")
    proxy_id, _ = aurora.one("AWS::RDS::DBProxy")
    _, target = aurora.one("AWS::RDS::DBProxyTargetGroup")
    assert target["Properties"]["DBClusterIdentifiers"] == [{"Ref": cluster_id}]
    assert "DBInstanceIdentifiers" not in target["Properties"]
    assert target["Properties"]["DBProxyName"] == {"Ref": proxy_id}
    # It waits for the instances (a target without them is unavailable).
    assert sorted(target["DependsOn"]) == sorted(aurora.resources("AWS::RDS::DBInstance"))


def test_a_read_only_proxy_endpoint_in_the_proxys_subnets_and_group(aurora):
    proxy_id, _ = aurora.one("AWS::RDS::DBProxy")
    _, endpoint = aurora.one("AWS::RDS::DBProxyEndpoint")
    props = endpoint["Properties"]
    assert props["TargetRole"] == "READ_ONLY"
    assert props["DBProxyName"] == {"Ref": proxy_id}
    assert sorted(map(str, props["VpcSubnetIds"])) == _subnet_refs(aurora)
    assert len(props["VpcSubnetIds"]) == 2  # RDS Proxy needs two zones
    proxy_group = aurora.logical_id(aurora.stack.database.proxy_security_group)
    assert props["VpcSecurityGroupIds"] == [{"Fn::GetAtt": [proxy_group, "GroupId"]}]


def test_the_api_reads_through_the_read_only_endpoint_and_writes_through_the_proxy(aurora):
    endpoint_id, _ = aurora.one("AWS::RDS::DBProxyEndpoint")
    proxy_id, _ = aurora.one("AWS::RDS::DBProxy")
    api = _environment(aurora, aurora.stack.api.function)
    assert api["DB_READ_ENDPOINT"] == {"Fn::GetAtt": [endpoint_id, "Endpoint"]}
    assert api["DB_ENDPOINT"] == {"Fn::GetAtt": [proxy_id, "Endpoint"]}
    assert "DB_READ_PORT" not in api  # the function's default: DB_PORT
    runner = _environment(aurora, aurora.stack.migrations.function)
    assert runner["DB_ENDPOINT"] == {"Fn::GetAtt": [proxy_id, "Endpoint"]}
    assert "DB_READ_ENDPOINT" not in runner  # migrations write: the writer only


def test_only_the_proxy_reaches_the_cluster(aurora):
    db_group = aurora.logical_id(aurora.stack.database.security_group)
    proxy_group = aurora.logical_id(aurora.stack.database.proxy_security_group)
    ingress = [
        r["Properties"]
        for r in aurora.resources("AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == {"Fn::GetAtt": [db_group, "GroupId"]}
    ]
    assert [rule["SourceSecurityGroupId"] for rule in ingress] == [
        {"Fn::GetAtt": [proxy_group, "GroupId"]}
    ]


def test_the_cluster_is_watched_for_local_storage_not_volume_space(aurora):
    cluster_id, _ = aurora.one("AWS::RDS::DBCluster")
    alarms = [a["Properties"] for a in aurora.resources("AWS::CloudWatch::Alarm").values()]
    names = {a.get("MetricName") for a in alarms}
    assert "FreeStorageSpace" not in names
    [local] = [a for a in alarms if a.get("MetricName") == "FreeLocalStorage"]
    assert local["Dimensions"] == [{"Name": "DBClusterIdentifier", "Value": {"Ref": cluster_id}}]
    assert local["ComparisonOperator"] == "LessThanThreshold"
    assert local["Statistic"] == "Minimum"


def test_the_default_engine_has_no_cluster_and_no_read_endpoint(synth):
    assert synth.stack.engine == "postgres"
    for cfn_type in ("AWS::RDS::DBCluster", "AWS::RDS::DBProxyEndpoint"):
        assert synth.resources(cfn_type) == {}
    for function in synth.resources("AWS::Lambda::Function").values():
        variables = function["Properties"].get("Environment", {}).get("Variables", {})
        assert "DB_READ_ENDPOINT" not in variables


def test_an_unknown_engine_is_refused_with_a_clear_error():
    with pytest.raises(ValueError, match=r"unknown engine 'mysql'.*postgres, aurora"):
        create_app({**SKIP_BUNDLING, "engine": "mysql"})


def test_the_read_endpoint_variables_are_the_specs_optional_extras():
    names = dict.fromkeys(API_FUNCTION.environment, "x")
    with_reads = {**names, "DB_READ_ENDPOINT": "x", "DB_READ_PORT": "5432"}
    assert _specified(with_reads) == with_reads
    with pytest.raises(ValueError, match="DB_READ_HOST"):
        _specified({**names, "DB_READ_HOST": "x"})


def test_the_proxy_connections_alarm_follows_the_aurora_instances_size(aurora, dev):
    def threshold(synth):
        [alarm] = [
            a["Properties"]
            for a in synth.resources("AWS::CloudWatch::Alarm").values()
            if a["Properties"].get("MetricName") == "DatabaseConnections"
            and a["Properties"]["Namespace"] == "AWS/RDS"
            and a["Properties"]["Dimensions"][0]["Name"] == "ProxyName"
        ]
        return alarm["Threshold"]

    # 70 % of a db.t4g.medium's ~400 connections, against db.t3.micro's ~80-112.
    assert threshold(aurora) == 280
    assert threshold(dev) == 70
