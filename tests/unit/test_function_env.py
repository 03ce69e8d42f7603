"""`make run` gives the function the variables the function spec names, no others but
the AWS_* ones Lambda's runtime provides in the cloud."""

from __future__ import annotations

import pytest

from pokedex.function_spec import API_FUNCTION
from pokedex_local.stack_description import function_env


def test_every_specified_name_is_set_and_aws_ones_pass_through() -> None:
    env = function_env({"DB_ENDPOINT": "127.0.0.1", "SECRET": "s", "AWS_REGION": "us-east-1"})
    assert set(env) == {*API_FUNCTION.environment, "AWS_REGION"}
    assert env["DB_ENDPOINT"] == "127.0.0.1"
    assert env["DB_SSLROOTCERT"] == ""  # not given: empty, which the function reads as unset


def test_a_variable_the_spec_does_not_name_is_refused() -> None:
    with pytest.raises(ValueError, match="DB_POOL_SIZE"):
        function_env({"DB_ENDPOINT": "127.0.0.1", "DB_POOL_SIZE": "5"})


def test_the_optional_read_endpoint_passes_through_when_the_tier_sets_it() -> None:
    tier_env = {"DB_ENDPOINT": "127.0.0.1", "DB_READ_ENDPOINT": "127.0.0.1", "DB_READ_PORT": "1"}
    env = function_env(tier_env)
    assert (env["DB_READ_ENDPOINT"], env["DB_READ_PORT"]) == ("127.0.0.1", "1")
    # and without a replica the function gets neither (the cloud's writer-only deployment)
    assert "DB_READ_ENDPOINT" not in function_env({"DB_ENDPOINT": "127.0.0.1"})
