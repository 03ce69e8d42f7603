"""How many IP addresses each subnet must hold, counted from the synthesized template.

``uv run --frozen python -m infra.address_budget`` prints the budget of both profiles. The
subnet size (``infra/network.py``) is the smallest that holds it, and a test keeps it so.
What takes an address in a subnet of this stack:

- AWS itself: the first four and the last address of every subnet.
- An interface endpoint: one network interface in each of its subnets.
- Lambda functions in a VPC: one Hyperplane interface per combination of subnet and
  security groups, shared by every function with that combination (not one per
  environment, so concurrency does not change the count).
- The DB instance: its interface may sit in any subnet of its subnet group (Multi-AZ: the
  primary in one, the standby in the other), and modifying or replacing it brings a new
  interface up before the old one goes: two per subnet.
- RDS Proxy: at least 10 free addresses in each of its subnets for a db.*.xlarge or smaller
  target ("Planning for IP address capacity"); short of them it cannot scale and clients
  fail. Larger classes need more and are refused here rather than under-counted.
- Aurora (engine=aurora): each instance of the cluster is counted as an RDS instance (two
  per subnet), and the proxy's 10 free addresses are counted once per instance it serves,
  since its capacity follows the size and number of its targets. A proxy endpoint (the
  read-only one) has network interfaces of its own in its subnets and scales like the
  proxy: 10 more. Both are counted on the safe side: the guide gives no separate figure
  for an Aurora target or an extra endpoint that this file was checked against.
"""

from __future__ import annotations

import ipaddress
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

AWS_RESERVED = 5
DB_INSTANCE_ADDRESSES = 2
PROXY_FREE_ADDRESSES = 10
_PROXY_BUDGETED_SIZES = ("micro", "small", "medium", "large", "xlarge")


@dataclass
class SubnetBudget:
    subnet: str
    cidr: str
    demands: dict[str, int] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return int(ipaddress.ip_network(self.cidr).num_addresses)

    @property
    def need(self) -> int:
        return sum(self.demands.values())

    @property
    def spare(self) -> int:
        return self.size - self.need

    def add(self, what: str, addresses: int) -> None:
        self.demands[what] = self.demands.get(what, 0) + addresses


def smallest_prefix(need: int) -> int:
    """The longest IPv4 prefix (smallest subnet) with at least ``need`` addresses."""
    prefix = 32
    while 2 ** (32 - prefix) < need:
        prefix -= 1
    return prefix


def budget(template: dict[str, Any]) -> list[SubnetBudget]:
    """Every subnet of ``template`` with what it must hold, by consumer."""
    resources: dict[str, dict[str, Any]] = template["Resources"]

    def of_type(cfn_type: str) -> dict[str, dict[str, Any]]:
        return {k: v["Properties"] for k, v in resources.items() if v["Type"] == cfn_type}

    subnets = {
        logical_id: SubnetBudget(logical_id, props["CidrBlock"])
        for logical_id, props in of_type("AWS::EC2::Subnet").items()
    }
    for budget_ in subnets.values():
        budget_.add("reserved by AWS", AWS_RESERVED)

    def each_subnet(refs: list[Any]) -> list[SubnetBudget]:
        return [subnets[ref["Ref"]] for ref in refs]

    for logical_id, props in of_type("AWS::EC2::VPCEndpoint").items():
        if props.get("VpcEndpointType") == "Interface":
            for subnet in each_subnet(props["SubnetIds"]):
                subnet.add(f"interface endpoint {logical_id}", 1)

    hyperplane: dict[str, set[str]] = defaultdict(set)
    for props in of_type("AWS::Lambda::Function").values():
        vpc = props.get("VpcConfig")
        if vpc:
            groups = repr(sorted(map(repr, vpc["SecurityGroupIds"])))
            for subnet in each_subnet(vpc["SubnetIds"]):
                hyperplane[subnet.subnet].add(groups)
    for subnet_id, combinations in hyperplane.items():
        subnets[subnet_id].add("Lambda Hyperplane interfaces", len(combinations))

    subnet_groups = of_type("AWS::RDS::DBSubnetGroup")
    clusters = of_type("AWS::RDS::DBCluster")
    instances = of_type("AWS::RDS::DBInstance")
    for logical_id, props in instances.items():
        # An Aurora instance takes its subnet group from its cluster.
        holder = (
            clusters[props["DBClusterIdentifier"]["Ref"]]
            if "DBClusterIdentifier" in props
            else props
        )
        group = subnet_groups[holder["DBSubnetGroupName"]["Ref"]]
        for subnet in each_subnet(group["SubnetIds"]):
            subnet.add(f"DB instance {logical_id}", DB_INSTANCE_ADDRESSES)
        size = str(props["DBInstanceClass"]).rsplit(".", 1)[-1]
        if size not in _PROXY_BUDGETED_SIZES:
            raise ValueError(f"{props['DBInstanceClass']}: RDS Proxy needs more than 10 free")

    # The stack's one proxy serves every DB instance of the template.
    proxy_free = PROXY_FREE_ADDRESSES * len(instances)
    for logical_id, props in of_type("AWS::RDS::DBProxy").items():
        for subnet in each_subnet(props["VpcSubnetIds"]):
            subnet.add(f"RDS Proxy {logical_id} (free)", proxy_free)
    for logical_id, props in of_type("AWS::RDS::DBProxyEndpoint").items():
        for subnet in each_subnet(props["VpcSubnetIds"]):
            subnet.add(f"RDS Proxy endpoint {logical_id} (free)", PROXY_FREE_ADDRESSES)
    return sorted(subnets.values(), key=lambda b: b.subnet)


def render(profile: str, budgets: list[SubnetBudget]) -> str:
    lines = [f"{profile}:"]
    for b in budgets:
        lines.append(f"  {b.subnet} {b.cidr}: {b.need} of {b.size} needed, {b.spare} spare")
        lines.extend(f"    {n:>3}  {what}" for what, n in b.demands.items())
    need = max(b.need for b in budgets)
    lines.append(f"  smallest subnet that holds {need}: /{smallest_prefix(need)}")
    return "\n".join(lines)


def main() -> None:
    import tempfile

    from infra.application import create_app
    from infra.engines import ENGINES

    for engine in ENGINES:
        for profile in ("dev", "prod"):
            outdir = tempfile.mkdtemp(prefix=f"cdk-budget-{profile}-")
            context: dict[str, object] = {
                "aws:cdk:bundling-stacks": [],
                "profile": profile,
                "engine": engine,
            }
            app, stack = create_app(context, outdir=outdir)
            template = app.synth().get_stack_by_name(stack.stack_name).template
            sys.stdout.write(render(f"{profile}, engine={engine}", budget(template)) + "\n")


if __name__ == "__main__":
    main()
