"""One specification of the API function: the synthesized template deploys what `make run`
describes in stack.json, both read from pokedex/function_spec.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.api import _specified
from infra.database import APP_USERNAME
from pokedex.function_spec import API_FUNCTION
from pokedex.migrate import APP_ROLE
from pokedex_local import run, stack_description
from pokedex_local.tier import LocalTier
from pokedex_local.tier.tier import APP_USER

pytestmark = pytest.mark.infra


def local_description(tmp_path: Path) -> dict[str, object]:
    """stack.json's "function", as `make run` with no flags writes it; the tier is only
    constructed (its environment is known before it starts), not started."""
    args = run.parser().parse_args([])
    env = stack_description.function_env(LocalTier(tmp_path).function_env(args.via))
    config = run.options.function_config(args, run.HANDLER, env)
    return stack_description.function_description(config)


def test_template_and_make_run_describe_the_same_function(synth, tmp_path: Path) -> None:
    # Given the API function in the template and the function `make run` serves
    props = synth.json["Resources"][synth.logical_id(synth.stack.api.function)]["Properties"]
    local = local_description(tmp_path)
    # Then the two agree on everything they share
    assert props["Handler"] == local["handler"] == API_FUNCTION.handler
    assert props["MemorySize"] == local["memory_mb"] == API_FUNCTION.memory_mb
    assert props["Timeout"] == local["timeout_s"] == API_FUNCTION.timeout_s
    assert props["Architectures"] == [local["architecture"]]
    # The local run adds only what Lambda's runtime provides in the cloud (AWS_*).
    env: dict[str, str] = local["env"]  # type: ignore[assignment]
    local_names = {name for name in env if not name.startswith("AWS_")}
    assert set(props["Environment"]["Variables"]) == local_names == set(API_FUNCTION.environment)
    by_profile: dict[str, int] = local["reserved_concurrency_by_profile"]  # type: ignore[assignment]
    assert props["ReservedConcurrentExecutions"] == by_profile[synth.profile]


def test_the_application_role_is_the_one_everywhere() -> None:
    # The CDK app's secret, the migration runner and the local tier read the spec; the
    # migrations' SQL cannot, so it is checked against it (all of it: test_app_role_name.py).
    migrations = Path(__file__).parents[2] / "src" / "pokedex" / "migrations"
    assert (
        f"CREATE ROLE {API_FUNCTION.database_role} LOGIN"
        in (migrations / "0003_app_role.sql").read_text()
    )
    assert APP_USERNAME == APP_ROLE == APP_USER == API_FUNCTION.database_role


def test_the_cdk_app_refuses_an_environment_the_spec_does_not_name() -> None:
    names = dict.fromkeys(API_FUNCTION.environment, "x")
    assert _specified(names) == names
    with pytest.raises(ValueError, match="DB_POOL_SIZE"):
        _specified({**names, "DB_POOL_SIZE": "5"})
