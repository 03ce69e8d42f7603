"""Which two availability zones the subnets go in, by zone ID.

RDS Proxy is not offered in use1-az3 and usw1-az2 ("Limitations for RDS Proxy"). Zone names
(us-east-1a, ...) are shuffled per account in the older regions, so the zones are named by
their IDs, which mean the same physical zone in every account; a subnet accepts an ID
(``AvailabilityZoneId``). Synthesis needs no credentials: the template carries a mapping
from region to zone IDs and CloudFormation picks the row of the region it deploys to.

Regions not in the mapping, or other zones, are chosen on the command line:
``-c zone_ids=euc1-az2,euc1-az3`` (docs/deploy.md, "Choosing the zones").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from aws_cdk import Aws, CfnMapping, Token
from constructs import Construct

ZONE_COUNT = 2
# "Limitations for RDS Proxy": the proxy cannot be created with a subnet in these zones.
WITHOUT_RDS_PROXY = frozenset({"use1-az3", "usw1-az2"})
# Two zones per region that offer RDS Proxy and exist in every account of that region.
# us-west-1: new accounts get usw1-az1 and usw1-az3 only (and the proxy is not in az2).
DEFAULT_ZONE_IDS: dict[str, tuple[str, str]] = {
    "us-east-1": ("use1-az1", "use1-az2"),
    "us-east-2": ("use2-az1", "use2-az2"),
    "us-west-1": ("usw1-az1", "usw1-az3"),
    "us-west-2": ("usw2-az1", "usw2-az2"),
    "eu-west-1": ("euw1-az1", "euw1-az2"),
    "eu-west-2": ("euw2-az1", "euw2-az2"),
    "eu-central-1": ("euc1-az1", "euc1-az2"),
    "ap-northeast-1": ("apne1-az1", "apne1-az2"),
    "ap-southeast-1": ("apse1-az1", "apse1-az2"),
    "ap-southeast-2": ("apse2-az1", "apse2-az2"),
}
_ZONE_ID = re.compile(r"[a-z]+[0-9]+-az[0-9]+")


def parse_zone_ids(value: object) -> tuple[str, ...]:
    """The ``-c zone_ids=a,b`` value checked: two distinct well-formed IDs RDS Proxy serves."""
    if isinstance(value, str):
        items = [item.strip() for item in value.split(",") if item.strip()]
    elif isinstance(value, list | tuple):
        items = [str(item).strip() for item in value]
    else:
        raise ValueError(f"zone_ids must be a comma-separated list of zone IDs, not {value!r}")
    malformed = [item for item in items if not _ZONE_ID.fullmatch(item)]
    if malformed:
        raise ValueError(
            f"zone_ids: {', '.join(malformed)} is not a zone ID like use1-az1 "
            "(aws ec2 describe-availability-zones --query 'AvailabilityZones[].ZoneId')"
        )
    if len(set(items)) != ZONE_COUNT or len(items) != ZONE_COUNT:
        raise ValueError(f"zone_ids: give exactly {ZONE_COUNT} distinct zone IDs, got {items}")
    refused = sorted(set(items) & WITHOUT_RDS_PROXY)
    if refused:
        raise ValueError(f"zone_ids: RDS Proxy is not offered in {', '.join(refused)}")
    return tuple(items)


def subnet_zone_ids(scope: Construct, region: str, chosen: Sequence[str] | None) -> list[str]:
    """The zone ID of each subnet: the chosen ones, else the region's row of the mapping."""
    if chosen is not None:
        return list(parse_zone_ids(list(chosen)))
    if not Token.is_unresolved(region) and region not in DEFAULT_ZONE_IDS:
        raise ValueError(
            f"no default zones for {region}: choose two with -c zone_ids=ID1,ID2 "
            "(docs/deploy.md, 'Choosing the zones')"
        )
    mapping = CfnMapping(
        scope,
        "ZoneIds",
        mapping={
            region_name: {f"subnet{i + 1}": zone for i, zone in enumerate(ids)}
            for region_name, ids in DEFAULT_ZONE_IDS.items()
        },
    )
    return [mapping.find_in_map(Aws.REGION, f"subnet{i + 1}") for i in range(ZONE_COUNT)]
