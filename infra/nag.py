"""cdk-nag: the AwsSolutions checks run on every synth, and how a finding is acknowledged.

An acknowledgement names the rule (with the finding id when a rule reports several findings)
and says why the finding is accepted; it sits next to the construct it is about.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, App, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct


def add_checks(app: App) -> None:
    """Fail the synth on any unacknowledged AwsSolutions finding."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Accept the AwsSolutions finding ``rule`` on ``scope`` (and below) for ``reason``."""
    Validations.of(scope).acknowledge(Acknowledgment(id=f"AwsSolutions-{rule}", reason=reason))
