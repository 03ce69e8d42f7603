"""Builds the CDK app: the stack for the chosen profile plus the checks run on every synth.

app.py (what `cdk synth` runs) and the tests both build the app here, so what the tests
assert is what gets deployed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aws_cdk import App, Environment

from infra.auth_settings import auth_settings
from infra.engines import engine_named
from infra.nag import add_checks
from infra.profiles import profile_named
from infra.stack import PokedexStack
from infra.zones import parse_zone_ids

DEFAULT_STACK_NAME = "ProxiedPokedex"
CDK_JSON = Path(__file__).resolve().parent.parent / "cdk.json"


def cdk_json_context() -> dict[str, Any]:
    """The ``context`` of cdk.json: the feature flags the CDK CLI passes on every synth.

    Read here too so that an app built without the CLI (the tests, ``python -m infra...``)
    synthesizes the template the CLI would; values given by the CLI still take precedence.
    """
    context = json.loads(CDK_JSON.read_text(encoding="utf-8")).get("context", {})
    assert isinstance(context, dict)
    return context


def create_app(
    context: Mapping[str, Any] | None = None, outdir: str | None = None
) -> tuple[App, PokedexStack]:
    """The app and its one stack; context as given by `cdk -c key=value` (or by a test)."""
    app = App(context={**cdk_json_context(), **(context or {})}, outdir=outdir)
    profile = profile_named(app.node.try_get_context("profile"))
    # An account whose concurrency quota is below the profile's reservation plus the 100
    # unreserved Lambda keeps back cannot deploy it: the reservation is then chosen here.
    api_concurrency = app.node.try_get_context("api_concurrency")
    if api_concurrency is not None:
        profile = profile.with_api_concurrency(api_concurrency)
    engine = engine_named(app.node.try_get_context("engine"))
    auth = auth_settings(
        app.node.try_get_context("jwt_issuer"),
        app.node.try_get_context("jwt_audience"),
        app.node.try_get_context("jwt_scopes"),
    )
    stack_name = app.node.try_get_context("stack_name") or DEFAULT_STACK_NAME
    zone_ids = app.node.try_get_context("zone_ids")
    # Unset outside the CDK CLI: the template is then environment-agnostic (no lookups, no
    # credentials needed to synthesize).
    env = Environment(
        account=os.environ.get("CDK_DEFAULT_ACCOUNT"),
        region=os.environ.get("CDK_DEFAULT_REGION"),
    )
    stack = PokedexStack(
        app,
        stack_name,
        profile=profile,
        engine=engine,
        auth=auth,
        zone_ids=None if zone_ids is None else parse_zone_ids(zone_ids),
        env=env,
        description=f"Proxied Pokédex ({profile.name}): HTTP API → Lambda → RDS Proxy → "
        + ("Aurora PostgreSQL" if engine == "aurora" else "RDS"),
    )
    add_checks(app)
    return app, stack
