"""The function checks the proxy's certificate (verify-full), locally against the tier's
own CA as in the cloud against Amazon's: a proxy that shows another CA's certificate gets
no login, and the client a 503."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pokedex.handler import HandlerState, handle
from pokedex_local.tier import LocalTier
from pokedex_local.tier.certs import make_certificate
from pokedex_local.tier.service_user import service_user

pytestmark = pytest.mark.integration
EVENTS = Path(__file__).parents[1] / "events"


def pikachu(app: HandlerState) -> dict[str, Any]:
    event = json.loads((EVENTS / "get_pikachu.json").read_text())
    return handle(lambda: app, event, "tls")


def use(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> HandlerState:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return HandlerState.from_env()


def test_the_function_verifies_the_proxy_against_the_tiers_ca(
    tier: LocalTier, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = tier.function_env("proxy")
    assert env["DB_SSLMODE"] == "verify-full"
    app = use(env, monkeypatch)
    log = Path(tier.describe()["logs_dir"]) / "pgbouncer.log"
    seen = log.stat().st_size
    assert pikachu(app)["statusCode"] == 200
    app.db.close()
    # (PgBouncer logs each login: the other test's silence means something)
    with log.open("rb") as tail:
        tail.seek(seen)
        assert f"login attempt: db=pokedex user={tier.app_user}".encode() in tail.read()


def test_a_certificate_from_another_ca_is_refused_before_any_login(
    tier: LocalTier, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Given a function that trusts another CA than the one that signed PgBouncer's cert
    stranger = make_certificate(tmp_path / "stranger", service_user())
    app = use({**tier.function_env("proxy"), "DB_SSLROOTCERT": str(stranger.ca)}, monkeypatch)
    log = Path(tier.describe()["logs_dir"]) / "pgbouncer.log"
    seen = log.stat().st_size
    # When it is asked for Pikachu
    response = pikachu(app)
    # Then the client gets a 503, at once (a refused certificate is not retried)
    assert response["statusCode"] == 503
    assert app.db.connects == 1
    # and PgBouncer never saw a login: the handshake ended before the startup message
    with log.open("rb") as tail:
        tail.seek(seen)
        assert b"login attempt" not in tail.read()
