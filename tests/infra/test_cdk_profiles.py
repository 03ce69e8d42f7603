import pytest

from infra.application import create_app
from infra.profiles import profile_named

pytestmark = pytest.mark.infra


def _db(synth):
    return synth.one("AWS::RDS::DBInstance")[1]


def test_dev_is_the_cheap_original(dev):
    db = _db(dev)
    assert db["Properties"]["MultiAZ"] is False
    assert db["Properties"]["BackupRetentionPeriod"] == 0
    assert db["Properties"]["DeletionProtection"] is False
    assert db["DeletionPolicy"] == "Delete"


def test_prod_is_highly_available_backed_up_and_retained(prod):
    db = _db(prod)
    assert db["Properties"]["MultiAZ"] is True
    assert db["Properties"]["BackupRetentionPeriod"] == 7
    assert db["Properties"]["DeletionProtection"] is True
    assert db["DeletionPolicy"] == "Retain"
    retained = (
        "AWS::SecretsManager::Secret",
        "AWS::Logs::LogGroup",
        "AWS::RDS::DBSubnetGroup",
        # What the retained database needs to go on existing: its network and its group.
        "AWS::EC2::VPC",
        "AWS::EC2::Subnet",
    )
    for cfn_type in retained:
        for logical_id, resource in prod.resources(cfn_type).items():
            assert resource["DeletionPolicy"] == "Retain", logical_id
    db_group = prod.logical_id(prod.stack.database.security_group)
    assert prod.json["Resources"][db_group]["DeletionPolicy"] == "Retain"


def test_dev_destroys_everything_with_the_stack(dev):
    for cfn_type in ("AWS::SecretsManager::Secret", "AWS::Logs::LogGroup"):
        for logical_id, resource in dev.resources(cfn_type).items():
            assert resource["DeletionPolicy"] == "Delete", logical_id


def test_prod_keeps_logs_longer(dev, prod):
    def retention(synth):
        return {
            r["Properties"]["RetentionInDays"]
            for r in synth.resources("AWS::Logs::LogGroup").values()
        }

    assert max(retention(dev)) < min(retention(prod))


def test_profiles_differ_only_where_intended(dev, prod):
    dev_types = {r["Type"] for r in dev.json["Resources"].values()}
    prod_types = {r["Type"] for r in prod.json["Resources"].values()}
    assert dev_types == prod_types


def test_unknown_profile_is_a_clear_error():
    with pytest.raises(ValueError, match=r"unknown profile 'staging'.*dev, prod"):
        profile_named("staging")


def test_no_profile_means_dev():
    assert profile_named(None).name == "dev"


def test_reserved_concurrency_and_throttle_follow_the_api_concurrency_context(tmp_path):
    app, stack = create_app(
        {"aws:cdk:bundling-stacks": [], "profile": "prod", "api_concurrency": "5"},
        outdir=str(tmp_path),
    )
    template = app.synth().get_stack_by_name(stack.stack_name).template
    api = template["Resources"][stack.resolve(stack.api.function.node.default_child.logical_id)]
    assert api["Properties"]["ReservedConcurrentExecutions"] == 5
    [stage] = [r for r in template["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Stage"]
    settings = stage["Properties"]["DefaultRouteSettings"]
    assert (settings["ThrottlingBurstLimit"], settings["ThrottlingRateLimit"]) == (5, 50)


@pytest.mark.parametrize("value", ["0", "-3", "many", ""])
def test_a_bad_api_concurrency_is_a_clear_error(value):
    with pytest.raises(ValueError, match="api_concurrency must be a positive integer"):
        profile_named("dev").with_api_concurrency(value)
