"""The subnets sit in two pinned zones, by zone ID, never in one RDS Proxy is missing from."""

import pytest

from infra.application import create_app
from infra.zones import DEFAULT_ZONE_IDS, WITHOUT_RDS_PROXY, parse_zone_ids

pytestmark = pytest.mark.infra

SKIP_BUNDLING = {"aws:cdk:bundling-stacks": []}


def _subnet_zones(template_json):
    return [
        r["Properties"]
        for r in template_json["Resources"].values()
        if r["Type"] == "AWS::EC2::Subnet"
    ]


def test_subnets_take_their_zone_ids_from_the_regions_row_of_the_mapping(synth):
    subnets = _subnet_zones(synth.json)
    assert len(subnets) == 2
    [mapping_id] = synth.json["Mappings"]
    lookups = [s["AvailabilityZoneId"]["Fn::FindInMap"] for s in subnets]
    assert sorted(map(str, lookups)) == [
        str([mapping_id, {"Ref": "AWS::Region"}, "subnet1"]),
        str([mapping_id, {"Ref": "AWS::Region"}, "subnet2"]),
    ]
    # Not the first two names Fn::GetAZs returns, which differ per account.
    assert all("AvailabilityZone" not in s for s in subnets)
    assert synth.json["Mappings"][mapping_id] == {
        region: {"subnet1": first, "subnet2": second}
        for region, (first, second) in DEFAULT_ZONE_IDS.items()
    }


def test_every_default_pair_is_two_zones_of_its_region_that_offer_rds_proxy():
    for region, ids in DEFAULT_ZONE_IDS.items():
        assert len(set(ids)) == 2, region
        assert not set(ids) & WITHOUT_RDS_PROXY, region
        prefixes = {zone.split("-az")[0] for zone in ids}
        assert len(prefixes) == 1, region  # both zones of the same region
    assert "use1-az3" not in DEFAULT_ZONE_IDS["us-east-1"]
    assert "usw1-az2" not in DEFAULT_ZONE_IDS["us-west-1"]


def test_zones_chosen_on_the_command_line_are_used_as_given(tmp_path):
    app, stack = create_app(
        {**SKIP_BUNDLING, "zone_ids": "use1-az4, use1-az6"}, outdir=str(tmp_path)
    )
    template = app.synth().get_stack_by_name(stack.stack_name).template
    assert sorted(s["AvailabilityZoneId"] for s in _subnet_zones(template)) == [
        "use1-az4",
        "use1-az6",
    ]
    assert "Mappings" not in template


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("use1-az1,use1-az3", "RDS Proxy is not offered in use1-az3"),
        ("usw1-az2,usw1-az1", "RDS Proxy is not offered in usw1-az2"),
        ("use1-az1", "exactly 2 distinct"),
        ("use1-az1,use1-az1", "exactly 2 distinct"),
        ("use1-az1,use1-az2,use1-az4", "exactly 2 distinct"),
        ("us-east-1a,us-east-1b", "not a zone ID"),
    ],
)
def test_bad_zone_choices_are_refused_by_name(value, message):
    with pytest.raises(ValueError, match=message):
        parse_zone_ids(value)


def test_a_region_without_defaults_asks_for_zones(monkeypatch, tmp_path):
    monkeypatch.setenv("CDK_DEFAULT_REGION", "af-south-1")
    with pytest.raises(ValueError, match=r"no default zones for af-south-1.*-c zone_ids="):
        create_app(SKIP_BUNDLING, outdir=str(tmp_path))
