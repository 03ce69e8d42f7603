"""cdk-nag (AwsSolutions) and cfn-lint on the synthesized templates.

cdk-nag runs inside every synth and fails it on an unacknowledged finding, so the fixtures
synthesizing at all is the first check. The others keep the acknowledgements honest: each
one has a reason and matches a finding that really exists (none is stale).
"""

import json
import tempfile
from pathlib import Path

import pytest
from cfnlint.api import lint_file

from infra import nag
from infra.application import create_app
from tests.infra.conftest import VARIANTS

pytestmark = pytest.mark.infra

SKIP_BUNDLING = {"aws:cdk:bundling-stacks": []}
# The context of each checked variant, from conftest.VARIANTS: its profile and the rest.
VARIANT_CONTEXT = {
    name: {"profile": profile, **dict(context)} for name, (profile, context) in VARIANTS.items()
}

_CACHE: dict[str, tuple[set[tuple[str, str]], list[tuple[str, str, str]]]] = {}


def _findings_without_acknowledgements(variant):
    """(rule, resource path) of every AwsSolutions finding, and the acknowledgements made."""
    if variant in _CACHE:
        return _CACHE[variant]
    recorded = []
    outdir = Path(tempfile.mkdtemp(prefix=f"cdk-nag-{variant}-"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            nag,
            "acknowledge",
            lambda scope, rule, reason: recorded.append((scope.node.path, rule, reason)),
        )
        app, _ = create_app({**SKIP_BUNDLING, **VARIANT_CONTEXT[variant]}, outdir=str(outdir))
        with pytest.raises(Exception, match="ValidationFailed"):
            app.synth()
    report = json.loads((outdir / "validation-report.json").read_text())
    findings = {
        (violation["ruleName"], construct["constructPath"])
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
        for construct in violation["violatingConstructs"]
    }
    _CACHE[variant] = (findings, recorded)
    return _CACHE[variant]


def test_synth_reports_no_unacknowledged_finding(every_variant):
    report = json.loads((every_variant.outdir / "validation-report.json").read_text())
    assert report["pluginReports"] == []


def test_every_acknowledgement_has_a_real_reason(every_variant):
    synth = every_variant
    acknowledged = {
        rule: reason
        for entries in synth.metadata().values()
        for entry in entries
        if entry["type"] == "aws:cdk:acknowledged-rules"
        for rule, reason in entry["data"].items()
        if "AwsSolutions-" in rule
    }
    assert acknowledged
    for rule, reason in acknowledged.items():
        assert len(reason.split()) >= 8, f"{rule}: reason too thin: {reason!r}"


@pytest.mark.parametrize("variant", sorted(VARIANT_CONTEXT))
def test_acknowledgements_match_findings_exactly(variant):
    findings, acknowledgements = _findings_without_acknowledgements(variant)

    def covered(finding, ack):
        (rule, path), (scope, acked_rule, _) = finding, ack
        return rule == f"AwsSolutions-{acked_rule}" and path.startswith(scope + "/")

    unacknowledged = [f for f in findings if not any(covered(f, a) for a in acknowledgements)]
    stale = [a for a in acknowledgements if not any(covered(f, a) for f in findings)]
    assert unacknowledged == []
    assert stale == []


def test_prod_fixes_what_dev_acknowledges():
    dev_rules = {rule for _, rule, _ in _findings_without_acknowledgements("dev")[1]}
    prod_rules = {rule for _, rule, _ in _findings_without_acknowledgements("prod")[1]}
    assert dev_rules - prod_rules == {"RDS3", "RDS10", "RDS13"}


def test_the_user_pools_findings_go_with_the_user_pool():
    dev_rules = {rule for _, rule, _ in _findings_without_acknowledgements("dev")[1]}
    oidc_rules = {rule for _, rule, _ in _findings_without_acknowledgements("oidc-dev")[1]}
    assert dev_rules - oidc_rules == {"COG2", "COG8"}


def test_cfn_lint_finds_nothing(every_variant):
    synth = every_variant
    template = synth.outdir / f"{synth.stack.stack_name}.template.json"
    matches = lint_file(template)
    assert [f"{m.rule.id} {m.message}" for m in matches] == []
