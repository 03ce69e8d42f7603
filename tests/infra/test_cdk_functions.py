import pytest
from aws_cdk.assertions import Match

from infra.bundling import PACKAGE_DIR

pytestmark = pytest.mark.infra

CONNECTION_ENV = {
    "DB_PORT": "5432",
    "DB_NAME": "demoProxiedDB",
    # The proxy's certificate is verified, name included, against the shipped Amazon roots.
    "DB_SSLMODE": "verify-full",
    "DB_SSLROOTCERT": "amazon-root-cas.pem",
}


def _function(synth, construct):
    logical_id = synth.logical_id(construct)
    return logical_id, synth.json["Resources"][logical_id]["Properties"]


def _statements_of(synth, function_props):
    role = function_props["Role"]["Fn::GetAtt"][0]
    return [
        statement
        for policy in synth.resources("AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _resources(statements):
    """Every resource the statements name (minimizePolicies merges them into lists)."""
    return [
        resource
        for statement in statements
        for resource in (
            statement["Resource"]
            if isinstance(statement["Resource"], list)
            else [statement["Resource"]]
        )
    ]


def test_api_function_runtime_handler_timeout_architecture(synth):
    _, props = _function(synth, synth.stack.api.function)
    assert props["Runtime"] in ("python3.13", "python3.14")
    assert props["Architectures"] == ["arm64"]
    assert props["Handler"] == "pokedex.handler.handler"
    assert props["Timeout"] == 30


def test_api_function_runs_in_the_isolated_subnets(synth):
    _, props = _function(synth, synth.stack.api.function)
    subnets = [{"Ref": logical_id} for logical_id in synth.resources("AWS::EC2::Subnet")]
    assert sorted(map(str, props["VpcConfig"]["SubnetIds"])) == sorted(map(str, subnets))


def test_api_function_connects_through_the_proxy_as_the_app_role(synth):
    database = synth.stack.database
    _, props = _function(synth, synth.stack.api.function)
    proxy_id, _ = synth.one("AWS::RDS::DBProxy")
    assert props["Environment"]["Variables"] == {
        **CONNECTION_ENV,
        "DB_ENDPOINT": {"Fn::GetAtt": [proxy_id, "Endpoint"]},
        "SECRET": {"Ref": synth.logical_id(database.app_secret)},
    }


def test_api_function_reads_its_own_secret_and_nothing_else(synth):
    _, props = _function(synth, synth.stack.api.function)
    app_secret = {"Ref": synth.logical_id(synth.stack.database.app_secret)}
    assert _statements_of(synth, props) == [
        {
            "Action": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
            "Effect": "Allow",
            "Resource": app_secret,
        }
    ]


def test_migrations_run_through_the_proxy_as_the_owner(synth):
    database = synth.stack.database
    _, props = _function(synth, synth.stack.migrations.function)
    proxy_id, _ = synth.one("AWS::RDS::DBProxy")
    assert props["Handler"] == "pokedex.migrate_handler.handler"
    assert props["Environment"]["Variables"] == {
        **CONNECTION_ENV,
        "DB_ENDPOINT": {"Fn::GetAtt": [proxy_id, "Endpoint"]},
        "SECRET": {"Ref": synth.logical_id(database.owner_secret)},
        "APP_SECRET": {"Ref": synth.logical_id(database.app_secret)},
    }
    assert sorted(map(str, _resources(_statements_of(synth, props)))) == sorted(
        str({"Ref": synth.logical_id(s)}) for s in (database.owner_secret, database.app_secret)
    )


def test_both_functions_share_one_asset(synth):
    _, api = _function(synth, synth.stack.api.function)
    _, migrations = _function(synth, synth.stack.migrations.function)
    assert api["Code"] == migrations["Code"]


def test_migrations_run_at_deploy_after_database_and_proxy(synth):
    _, trigger = synth.one("Custom::Trigger")
    assert trigger["Properties"]["ExecuteOnHandlerChange"] is True
    # The handler is a version: a new asset (new migrations) is a new version, a new run.
    version_id = trigger["Properties"]["HandlerArn"]["Ref"]
    assert synth.json["Resources"][version_id]["Type"] == "AWS::Lambda::Version"
    db_id, _ = synth.one("AWS::RDS::DBInstance")
    proxy_id, _ = synth.one("AWS::RDS::DBProxy")
    target_id, _ = synth.one("AWS::RDS::DBProxyTargetGroup")
    assert {db_id, proxy_id, target_id} <= set(trigger["DependsOn"])


def test_functions_log_to_groups_with_retention(synth):
    for construct in (synth.stack.api.function, synth.stack.migrations.function):
        _, props = _function(synth, construct)
        group = props["LoggingConfig"]["LogGroup"]["Ref"]
        assert "RetentionInDays" in synth.json["Resources"][group]["Properties"]


def test_no_function_declares_a_redundant_dependency_on_its_role(synth):
    for logical_id, fn in synth.resources("AWS::Lambda::Function").items():
        role = fn["Properties"]["Role"]["Fn::GetAtt"][0]
        assert role not in fn.get("DependsOn", []), logical_id


def test_all_bundled_functions_are_python_on_arm(synth):
    synth.template.resource_properties_count_is(
        "AWS::Lambda::Function",
        {"Handler": Match.string_like_regexp(r"^pokedex\."), "Architectures": ["arm64"]},
        2,
    )


def test_the_api_function_waits_for_the_migration_trigger(synth):
    # Created only once the schema and the role it logs in as exist.
    trigger_id, _ = synth.one("Custom::Trigger")
    api_id = synth.logical_id(synth.stack.api.function)
    assert trigger_id in synth.json["Resources"][api_id]["DependsOn"]


def test_the_trigger_waits_for_the_secrets_endpoint_and_every_security_group_rule(synth):
    # Its run needs Secrets Manager (the endpoint) and the path runner → proxy → database:
    # every group and every standalone rule of those groups exists before it runs.
    _, trigger = synth.one("Custom::Trigger")
    endpoint_id, _ = synth.one("AWS::EC2::VPCEndpoint")
    rules = {
        *synth.resources("AWS::EC2::SecurityGroupIngress"),
        *synth.resources("AWS::EC2::SecurityGroupEgress"),
    }
    groups = {
        synth.logical_id(group)
        for group in (
            synth.stack.migrations.security_group,
            synth.stack.database.proxy_security_group,
            synth.stack.database.security_group,
            synth.stack.network.secrets_endpoint.connections.security_groups[0],
        )
    }
    path_rules = {
        rule_id
        for rule_id in rules
        if any(group in str(synth.json["Resources"][rule_id]["Properties"]) for group in groups)
        and synth.logical_id(synth.stack.api.security_group)
        not in str(synth.json["Resources"][rule_id]["Properties"]["GroupId"])
    }
    assert len(path_rules) >= 6
    assert {endpoint_id, *groups, *path_rules} <= set(trigger["DependsOn"])


def test_the_root_cas_named_in_the_environment_ship_in_the_function_package():
    # The asset is src/pokedex plus wheels; a relative DB_SSLROOTCERT is read from there.
    assert (PACKAGE_DIR / CONNECTION_ENV["DB_SSLROOTCERT"]).is_file()
