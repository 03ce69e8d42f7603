"""PgBouncer's pool sized as RDS Proxy sizes its own (tier/pgbouncer.py), without starting it."""

from __future__ import annotations

import configparser
from pathlib import Path

import pytest

from pokedex import pooling
from pokedex.deadlines import BORROW_TIMEOUT_S
from pokedex_local.tier.pgbouncer import idle_floor, pool_size, render_config


@pytest.mark.parametrize(
    ("max_connections", "percent", "size"),
    [
        (100, 100, 97),  # the 3 superuser-reserved slots are never the pool's
        (100, 50, 48),
        (20, 100, 17),
        (4, 100, 1),
        (1000, 90, 897),  # rounded down: never more than PostgreSQL accepts
    ],
)
def test_the_pool_is_a_share_of_what_the_app_role_can_open(
    max_connections: int, percent: int, size: int
) -> None:
    assert pool_size(max_connections, percent) == size


@pytest.mark.parametrize("percent", [0, 101, -5])
def test_a_percentage_outside_1_to_100_is_refused(percent: int) -> None:
    with pytest.raises(ValueError, match=r"max_connections_percent must be 1\.\.100"):
        pool_size(100, percent)


@pytest.mark.parametrize(("max_connections", "percent"), [(3, 100), (10, 10)])
def test_settings_that_leave_no_pool_are_refused(max_connections: int, percent: int) -> None:
    with pytest.raises(ValueError, match="leaves no pool"):
        pool_size(max_connections, percent)


@pytest.mark.parametrize(("pool", "percent", "floor"), [(97, 50, 48), (17, 50, 8), (10, 0, 0)])
def test_the_idle_floor_is_a_share_of_the_pool(pool: int, percent: int, floor: int) -> None:
    assert idle_floor(pool, percent) == floor


def test_an_idle_percentage_outside_0_to_100_is_refused() -> None:
    with pytest.raises(ValueError, match=r"0\.\.100"):
        idle_floor(10, 101)


def test_the_config_carries_the_pool_and_rds_proxys_defaults() -> None:
    text = render_config(
        port=6432, pg_port=5432, pool=97,
        cert_file=Path("/c.pem"), key_file=Path("/k.pem"), auth_file=Path("/u.txt"),
    )  # fmt: skip
    config = configparser.ConfigParser(comment_prefixes=(";",), interpolation=None)
    config.read_string(text)
    settings = config["pgbouncer"]
    assert (settings["max_db_connections"], settings["default_pool_size"]) == ("97", "97")
    assert settings["pool_mode"] == "transaction"
    assert settings["min_pool_size"] == str(97 * pooling.MAX_IDLE_CONNECTIONS_PERCENT // 100)
    assert settings["query_wait_timeout"] == str(BORROW_TIMEOUT_S)
    assert settings["listen_port"] == "6432"
