"""The deploy-time migration trigger, run the way the CDK stack runs it: through the proxy."""

from __future__ import annotations

import psycopg
import pytest

from pokedex import migrate_handler
from pokedex.errors import ConfigurationError
from pokedex_local.dex import DEX_NUMBERS
from pokedex_local.tier import LocalTier

pytestmark = pytest.mark.integration


@pytest.fixture
def trigger_env(tier: LocalTier, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in tier.function_env(via="proxy").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SECRET", tier.owner_secret_name)
    monkeypatch.setenv("APP_SECRET", tier.app_secret_name)


@pytest.mark.usefixtures("trigger_env")
def test_an_up_to_date_database_is_left_as_it_is_and_the_app_can_log_in(tier: LocalTier) -> None:
    assert migrate_handler.handler({}, None) == {"applied": []}
    params = psycopg.conninfo.conninfo_to_dict(tier.pgbouncer.conninfo(sslmode="require"))
    params.update(user=tier.app_user, password=tier.app_password)
    with psycopg.connect(**params, prepare_threshold=None) as conn:
        assert conn.execute("SELECT count(*) FROM poke_data").fetchone() == (DEX_NUMBERS,)


@pytest.mark.usefixtures("trigger_env")
def test_a_missing_app_secret_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APP_SECRET")
    with pytest.raises(ConfigurationError, match="APP_SECRET"):
        migrate_handler.handler({}, None)
