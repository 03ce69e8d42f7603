"""Every subnet holds what the template puts in it, RDS Proxy's 10 free addresses included."""

import pytest

from infra.address_budget import (
    AWS_RESERVED,
    PROXY_FREE_ADDRESSES,
    SubnetBudget,
    budget,
    smallest_prefix,
)
from infra.network import SUBNET_MASKS

pytestmark = pytest.mark.infra


def test_every_subnet_holds_its_budget(synth):
    budgets = budget(synth.json)
    assert len(budgets) == 2
    for b in budgets:
        assert b.spare >= 0, (b.cidr, b.demands)
        assert b.demands["reserved by AWS"] == AWS_RESERVED
        assert any(what.startswith("RDS Proxy") and n == PROXY_FREE_ADDRESSES
                   for what, n in b.demands.items())  # fmt: skip
        assert any(what.startswith("interface endpoint") for what in b.demands)
        # One Hyperplane interface per security group: the API and the migration runner.
        assert b.demands["Lambda Hyperplane interfaces"] == 2


def test_the_subnets_are_the_smallest_that_hold_the_budget(synth):
    need = max(b.need for b in budget(synth.json))
    assert smallest_prefix(need) == SUBNET_MASKS["postgres"]


def test_aurora_subnets_hold_the_second_instance_and_the_read_only_endpoint(aurora):
    budgets = budget(aurora.json)
    assert len(budgets) == 2
    for b in budgets:
        assert b.spare >= 0, (b.cidr, b.demands)
        instances = [what for what in b.demands if what.startswith("DB instance")]
        assert len(instances) == 2  # the writer and the reader, each with room to be replaced
        endpoint = [n for what, n in b.demands.items() if what.startswith("RDS Proxy endpoint")]
        assert endpoint == [PROXY_FREE_ADDRESSES]
        proxy = [n for what, n in b.demands.items() if what.startswith("RDS Proxy Database")]
        assert proxy == [2 * PROXY_FREE_ADDRESSES]  # free addresses for each target instance
    need = max(b.need for b in budgets)
    # A /27 would be short; the subnets are the smallest that hold it.
    assert need > 32
    assert smallest_prefix(need) == SUBNET_MASKS["aurora"]


def test_the_old_slash_28_was_too_small(synth):
    # 16 addresses: with the proxy's 10 free, the endpoint, Lambda and the database's,
    # RDS Proxy would be short of addresses and unable to scale.
    for b in budget(synth.json):
        assert SubnetBudget(b.subnet, "10.0.0.0/28", b.demands).spare < 0


def test_hyperplane_interfaces_are_shared_by_functions_with_the_same_groups():
    subnet = {"Type": "AWS::EC2::Subnet", "Properties": {"CidrBlock": "10.0.0.0/27"}}

    def function(*groups):
        vpc = {"SubnetIds": [{"Ref": "S"}], "SecurityGroupIds": list(groups)}
        return {"Type": "AWS::Lambda::Function", "Properties": {"VpcConfig": vpc}}

    template = {
        "Resources": {"S": subnet, "F1": function("a"), "F2": function("a"), "F3": function("b")}
    }
    [b] = budget(template)
    assert b.demands == {"reserved by AWS": 5, "Lambda Hyperplane interfaces": 2}


@pytest.mark.parametrize(("need", "prefix"), [(1, 32), (16, 28), (17, 27), (20, 27), (33, 26)])
def test_smallest_prefix(need, prefix):
    assert smallest_prefix(need) == prefix
