"""Synthesizes the CDK app once per profile for the whole infra suite (a synth takes ~10 s).

Bundling is skipped here (the asset is built for real by test_bundling.py only); cdk-nag
runs on every synth, so a synth that returns has no unacknowledged finding.
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from infra.application import create_app
from infra.stack import PokedexStack

# The CDK app (infra/) is not part of the installed package; pytest's pythonpath setting
# (pyproject.toml) puts the repo root on the import path, as `cdk synth` has it.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
REPO_ROOT = Path(__file__).resolve().parents[2]

SKIP_BUNDLING = {"aws:cdk:bundling-stacks": []}


@dataclass(frozen=True)
class Synth:
    profile: str
    stack: PokedexStack
    template: Template
    outdir: Path

    @property
    def json(self) -> dict[str, Any]:
        return self.template.to_json()

    def resources(self, cfn_type: str) -> dict[str, dict[str, Any]]:
        return self.template.find_resources(cfn_type)

    def one(self, cfn_type: str) -> tuple[str, dict[str, Any]]:
        found = self.resources(cfn_type)
        assert len(found) == 1, f"expected one {cfn_type}, found {sorted(found)}"
        return next(iter(found.items()))

    def logical_id(self, construct: Any) -> str:
        """The logical id of an L2 construct's main resource."""
        return str(self.stack.resolve(construct.node.default_child.logical_id))

    def metadata(self) -> dict[str, list[dict[str, Any]]]:
        path = self.outdir / f"{self.stack.stack_name}.metadata.json"
        return json.loads(path.read_text())


# The variants besides the two profiles, as `cdk -c key=value` would give them.
AURORA = (("engine", "aurora"),)
OIDC = (
    ("jwt_issuer", "https://issuer.example.com/"),
    ("jwt_audience", "pokedex-api,pokedex-cli"),
    ("jwt_scopes", "teams.write"),
)


@functools.cache
def synthesize(profile: str, variant: tuple[tuple[str, str], ...] = ()) -> Synth:
    outdir = Path(tempfile.mkdtemp(prefix=f"cdk-{profile}-"))
    context = {**SKIP_BUNDLING, "profile": profile, **dict(variant)}
    app, stack = create_app(context, outdir=str(outdir))
    app.synth()
    return Synth(profile, stack, Template.from_stack(stack), outdir)


@pytest.fixture(scope="session")
def dev() -> Synth:
    return synthesize("dev")


@pytest.fixture(scope="session")
def prod() -> Synth:
    return synthesize("prod")


@pytest.fixture(scope="session", params=["dev", "prod"])
def aurora(request: pytest.FixtureRequest) -> Synth:
    """engine=aurora in both profiles."""
    return synthesize(request.param, AURORA)


@pytest.fixture(scope="session")
def oidc() -> Synth:
    """A dev stack that trusts an outside OpenID Connect issuer, with a required scope."""
    return synthesize("dev", OIDC)


# Every template the app can make that the checks (cdk-nag, cfn-lint) run on.
VARIANTS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "dev": ("dev", ()),
    "prod": ("prod", ()),
    "aurora-dev": ("dev", AURORA),
    "aurora-prod": ("prod", AURORA),
    "oidc-dev": ("dev", OIDC),
}


@pytest.fixture(scope="session", params=sorted(VARIANTS))
def every_variant(request: pytest.FixtureRequest) -> Synth:
    """Each profile with each engine, and the OIDC configuration."""
    profile, variant = VARIANTS[request.param]
    return synthesize(profile, variant)


@pytest.fixture(scope="session", params=["dev", "prod"])
def synth(request: pytest.FixtureRequest) -> Synth:
    """Each test using this runs against both profiles: what must hold everywhere."""
    return synthesize(request.param)
