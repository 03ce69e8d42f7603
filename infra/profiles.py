"""Deployment profiles: what differs between a cheap dev stack and a production one.

Everything not listed here is the same in both profiles (encryption, logs, alarms, the
network and the security-group chain), so a dev deployment exercises production's shape.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_logs as logs

from pokedex.function_spec import API_FUNCTION


@dataclass(frozen=True)
class Profile:
    name: str
    multi_az: bool
    backup_retention: Duration
    deletion_protection: bool
    removal_policy: RemovalPolicy
    log_retention: logs.RetentionDays
    # Reserved concurrency of the API function: at most this many environments, hence
    # proxy client connections. The stage lets through what they can serve: a burst of one
    # request per environment, and 10 requests per second per environment (100 ms each,
    # several times the measured warm duration), so excess traffic gets API Gateway's 429
    # instead of a throttled invoke's 500.
    api_concurrency: int

    def with_api_concurrency(self, value: object) -> Profile:
        """This profile with another reserved concurrency (``-c api_concurrency=N``)."""
        try:
            concurrency = int(str(value))
        except ValueError:
            concurrency = 0
        if concurrency < 1:
            raise ValueError(f"api_concurrency must be a positive integer, not {value!r}")
        return replace(self, api_concurrency=concurrency)

    @property
    def api_burst_limit(self) -> int:
        return self.api_concurrency

    @property
    def api_rate_limit(self) -> int:
        return 10 * self.api_concurrency


PROFILES: dict[str, Profile] = {
    # The original's settings: one AZ, no backups, everything goes away with the stack.
    "dev": Profile(
        name="dev",
        multi_az=False,
        backup_retention=Duration.days(0),
        deletion_protection=False,
        removal_policy=RemovalPolicy.DESTROY,
        log_retention=logs.RetentionDays.ONE_WEEK,
        api_concurrency=API_FUNCTION.reserved_concurrency["dev"],
    ),
    "prod": Profile(
        name="prod",
        multi_az=True,
        backup_retention=Duration.days(7),
        deletion_protection=True,
        removal_policy=RemovalPolicy.RETAIN,
        log_retention=logs.RetentionDays.THREE_MONTHS,
        api_concurrency=API_FUNCTION.reserved_concurrency["prod"],
    ),
}

DEFAULT_PROFILE = "dev"


def profile_named(name: object) -> Profile:
    """The profile called ``name``; a clear error naming the bad value otherwise."""
    if name is None:
        name = DEFAULT_PROFILE
    if not isinstance(name, str) or name not in PROFILES:
        choices = ", ".join(sorted(PROFILES))
        raise ValueError(f"unknown profile {name!r}: choose one of {choices} (-c profile=...)")
    return PROFILES[name]
