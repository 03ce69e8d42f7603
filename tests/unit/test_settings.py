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


def test_no_read_endpoint_by_default() -> None:
    s = Settings.from_env(BASE)
    assert s.db_read_endpoint is None
    assert s.for_reads() is None


def test_the_read_port_defaults_to_the_writer_port() -> None:
    s = Settings.from_env({**BASE, "DB_PORT": "6432", "DB_READ_ENDPOINT": "reader.example"})
    reader = s.for_reads()
    assert reader is not None
    assert (reader.db_endpoint, reader.db_port) == ("reader.example", 6432)
    # the rest (database, TLS, secret) is the writer's
    assert (reader.db_sslmode, reader.secret_id) == (s.db_sslmode, s.secret_id)


def test_a_read_port_of_its_own() -> None:
    env = {**BASE, "DB_READ_ENDPOINT": "reader.example", "DB_READ_PORT": "6433"}
    reader = Settings.from_env(env).for_reads()
    assert reader is not None
    assert reader.db_port == 6433


@pytest.mark.parametrize("value", ["abc", "0", "70000"])
def test_a_malformed_read_port_is_named(value: str) -> None:
    env = {**BASE, "DB_READ_ENDPOINT": "reader.example", "DB_READ_PORT": value}
    with pytest.raises(ConfigurationError, match="DB_READ_PORT"):
        Settings.from_env(env)


def test_a_read_port_without_a_read_endpoint_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="DB_READ_PORT is set but DB_READ_ENDPOINT"):
        Settings.from_env({**BASE, "DB_READ_PORT": "6433"})
