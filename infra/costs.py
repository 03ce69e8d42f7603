"""Monthly cost estimate of a deployed stack: `uv run --frozen python -m infra.costs`.

Unit prices are AWS's public on-demand list prices for us-east-1 (N. Virginia), as
published on the service pricing pages in 2025; they were not re-read when this file was
last changed (no network access). The engine=aurora prices were added on 2026-11-29 from
the same pages as remembered, equally unverified. Free tiers are ignored. It is an estimate:
check it with the AWS Pricing Calculator (https://calculator.aws) before relying on it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from infra.engines import ENGINES, Engine
from pokedex.function_spec import API_FUNCTION

HOURS_PER_MONTH = 730
PRICES_AS_OF = "2025 (us-east-1 list prices; Aurora's: unverified, 2026-11-29)"


@dataclass(frozen=True)
class Line:
    item: str
    dev: float
    prod: float


def _postgres_lines() -> list[Line]:
    h = HOURS_PER_MONTH
    return [
        # db.t3.micro PostgreSQL: $0.018/h single-AZ, $0.036/h Multi-AZ.
        Line("RDS db.t3.micro instance", 0.018 * h, 0.036 * h),
        # gp2: $0.115/GB-month single-AZ, $0.23 Multi-AZ; 20 GB.
        Line("RDS storage, 20 GB gp2", 20 * 0.115, 20 * 0.23),
        # RDS Proxy: $0.015 per vCPU-hour of the target, minimum 2 vCPUs (t3.micro has 2).
        Line("RDS Proxy (2 vCPU minimum)", 2 * 0.015 * h, 2 * 0.015 * h),
    ]


def _aurora_lines() -> list[Line]:
    h = HOURS_PER_MONTH
    return [
        # Aurora PostgreSQL (Aurora Standard) db.t4g.medium: $0.073/h per instance, the same
        # in both profiles (the reader is the standby; there is no Multi-AZ surcharge).
        Line("Aurora db.t4g.medium, writer + reader", 2 * 0.073 * h, 2 * 0.073 * h),
        # $0.10/GB-month, billed on what is used: the Pokédex is far below 1 GB. I/O at
        # $0.20 per million requests comes with traffic (below). Backups up to the volume's
        # size are free.
        Line("Aurora storage, 1 GB", 0.10, 0.10),
        # RDS Proxy: $0.015 per vCPU-hour of the instances behind it, 2 vCPUs each; the
        # read-only endpoint is not billed on its own (as the pricing page was remembered).
        Line("RDS Proxy (2 instances x 2 vCPU)", 4 * 0.015 * h, 4 * 0.015 * h),
    ]


def fixed_monthly(engine: Engine = "postgres") -> list[Line]:
    """What the stack costs per month with no traffic at all."""
    h = HOURS_PER_MONTH
    database = _aurora_lines() if engine == "aurora" else _postgres_lines()
    return [
        *database,
        # Interface endpoint: $0.01 per AZ-hour, two AZs.
        Line("Secrets Manager VPC endpoint, 2 AZs", 2 * 0.01 * h, 2 * 0.01 * h),
        # $0.40 per secret-month.
        Line("Secrets Manager, 2 secrets", 2 * 0.40, 2 * 0.40),
        # $1.00 per customer-managed KMS key-month (the alarm topic's; rotation is free for
        # the first two rotations of a key material's year, then $1 each: ignored here).
        Line("KMS key for the alarm topic", 1.00, 1.00),
        # $0.10 per standard-resolution alarm metric-month; seven alarms of one metric each.
        Line("CloudWatch alarms, 7 metrics", 7 * 0.10, 7 * 0.10),
        # $3.00 per dashboard-month (the account's first three are free: not counted here).
        Line("CloudWatch dashboard", 3.00, 3.00),
    ]


def per_million_requests(
    duration_ms: float = 50, memory_gb: float = API_FUNCTION.memory_mb / 1024
) -> float:
    """Variable cost of one million API requests (HTTP API + arm64 Lambda)."""
    http_api = 1.00  # $1.00 per million requests (first 300 million)
    lambda_requests = 0.20  # $0.20 per million invocations
    lambda_compute = 1_000_000 * (duration_ms / 1000) * memory_gb * 0.0000133334  # arm64 GB-s
    return http_api + lambda_requests + lambda_compute


def main() -> None:
    out = sys.stdout
    out.write(f"Estimated monthly cost, USD, prices as of {PRICES_AS_OF}\n")
    for engine in ENGINES:
        lines = fixed_monthly(engine)
        out.write(f"\nengine={engine}\n{'item':<40} {'dev':>8} {'prod':>8}\n")
        for line in lines:
            out.write(f"{line.item:<40} {line.dev:>8.2f} {line.prod:>8.2f}\n")
        out.write(
            f"{'total with no traffic':<40} {sum(x.dev for x in lines):>8.2f} "
            f"{sum(x.prod for x in lines):>8.2f}\n"
        )
    out.write("\n")
    out.write(
        f"plus about ${per_million_requests():.2f} per million requests (50 ms at "
        f"{API_FUNCTION.memory_mb} MB), "
        "CloudWatch Logs at $0.50/GB ingested, and data processed by the endpoint "
        "($0.01/GB); with engine=aurora, storage I/O at $0.20 per million requests; the "
        "Cognito user pool is billed per monthly active user (none: nothing)\n"
    )


if __name__ == "__main__":
    main()
