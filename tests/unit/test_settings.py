from __future__ import annotations

import pytest

from pokedex.errors import ConfigurationError
from pokedex.settings import Settings

BASE = {"DB_ENDPOINT": "proxy.example", "SECRET": "arn:aws:secretsmanager:eu-west-1:1:secret:x"}


def test_defaults() -> None:
    s = Settings.from_env(BASE)
    assert (s.db_port, s.db_name, s.db_sslmode) == (5432, None, "require")


def test_all_variables() -> None:
    env = {**BASE, "DB_PORT": "6432", "DB_NAME": "pokedex", "DB_SSLMODE": "verify-full"}
    s = Settings.from_env(env)
    assert (s.db_endpoint, s.db_port, s.db_name, s.db_sslmode) == (
        "proxy.example",
        6432,
        "pokedex",
        "verify-full",
    )


@pytest.mark.parametrize("missing", ["DB_ENDPOINT", "SECRET"])
def test_a_missing_variable_is_named(missing: str) -> None:
    env = {k: v for k, v in BASE.items() if k != missing}
    with pytest.raises(ConfigurationError, match=missing):
        Settings.from_env(env)


@pytest.mark.parametrize(
    ("name", "value"),
    [("DB_PORT", "abc"), ("DB_PORT", "0"), ("DB_PORT", "70000"), ("DB_SSLMODE", "sometimes")],
)
def test_a_malformed_variable_is_named(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=name):
        Settings.from_env({**BASE, name: value})
