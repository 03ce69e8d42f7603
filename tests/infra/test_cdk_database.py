import json

import pytest

pytestmark = pytest.mark.infra


def _subnet_refs(synth):
    return [{"Ref": logical_id} for logical_id in synth.resources("AWS::EC2::Subnet")]


def test_postgres_17_pinned_minor_on_a_t3_micro(synth):
    _, db = synth.one("AWS::RDS::DBInstance")
    props = db["Properties"]
    assert props["Engine"] == "postgres"
    major, minor = props["EngineVersion"].split(".")
    assert major == "17"
    assert minor.isdigit()
    assert props["DBInstanceClass"] == "db.t3.micro"
    assert props["AllocatedStorage"] == "20"
    assert props["DBName"] == "demoProxiedDB"
    assert props["StorageEncrypted"] is True
    assert props["PubliclyAccessible"] is False


def test_database_lives_in_the_isolated_subnets(synth):
    _, group = synth.one("AWS::RDS::DBSubnetGroup")
    assert sorted(map(str, group["Properties"]["SubnetIds"])) == sorted(
        map(str, _subnet_refs(synth))
    )


def test_owner_and_app_secrets_are_generated_without_punctuation(synth):
    stack = synth.stack
    secrets = synth.resources("AWS::SecretsManager::Secret")
    expected = {
        synth.logical_id(stack.database.owner_secret): "postgres",
        synth.logical_id(stack.database.app_secret): "pokedex_app",
    }
    assert set(secrets) == set(expected)
    for logical_id, username in expected.items():
        generate = secrets[logical_id]["Properties"]["GenerateSecretString"]
        assert json.loads(generate["SecretStringTemplate"]) == {"username": username}
        assert generate["GenerateStringKey"] == "password"
        assert generate["ExcludePunctuation"] is True


def test_the_database_logs_in_its_owner_with_the_owner_secret(synth):
    owner = synth.logical_id(synth.stack.database.owner_secret)
    _, db = synth.one("AWS::RDS::DBInstance")
    assert {"Ref": owner} in db["Properties"]["MasterUsername"]["Fn::Join"][1]


def test_proxy_requires_tls_in_isolated_subnets_with_both_secrets(synth):
    database = synth.stack.database
    _, proxy = synth.one("AWS::RDS::DBProxy")
    props = proxy["Properties"]
    assert props["RequireTLS"] is True
    assert props["EngineFamily"] == "POSTGRESQL"
    assert sorted(map(str, props["VpcSubnetIds"])) == sorted(map(str, _subnet_refs(synth)))
    assert [auth["SecretArn"] for auth in props["Auth"]] == [
        {"Ref": synth.logical_id(database.owner_secret)},
        {"Ref": synth.logical_id(database.app_secret)},
    ]
    assert all(auth["IAMAuth"] == "DISABLED" for auth in props["Auth"])


def test_proxy_targets_the_instance(synth):
    db_id, _ = synth.one("AWS::RDS::DBInstance")
    proxy_id, _ = synth.one("AWS::RDS::DBProxy")
    _, target = synth.one("AWS::RDS::DBProxyTargetGroup")
    assert target["Properties"]["DBInstanceIdentifiers"] == [{"Ref": db_id}]
    assert target["Properties"]["DBProxyName"] == {"Ref": proxy_id}


def test_proxy_reads_exactly_its_two_secrets(synth):
    database = synth.stack.database
    role = synth.logical_id(database.proxy.node.find_child("IAMRole"))
    statements = [
        s
        for p in synth.resources("AWS::IAM::Policy").values()
        if {"Ref": role} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    resources = [
        r
        for s in statements
        for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    ]
    assert sorted(map(str, resources)) == sorted(
        str({"Ref": synth.logical_id(secret)})
        for secret in (database.owner_secret, database.app_secret)
    )
