"""`make run` with the JWT authorizer: the team routes behind it, stack.json's auth entry,
and a token from `make token`'s command, against the real stack."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.gateway_process import get

pytestmark = pytest.mark.e2e


def test_the_team_routes_need_a_token_from_make_token(local_stack: dict[str, Any]) -> None:
    url, auth = local_stack["api_url"], local_stack["auth"]
    # The issuer the stack trusts is the local one, its documents served by the gateway
    assert auth["issuer"] == url + "/__local/issuer"
    assert get(auth["discovery_url"]).json()["jwks_uri"] == auth["jwks_uri"]
    # No token: refused before the function runs
    refused = get(url + "/teams")
    assert (refused.status, refused.json()) == (401, {"message": "Unauthorized"})
    assert refused.headers["www-authenticate"].startswith("Bearer ")
    # A token minted by `make token`'s command from the stack's state directory
    command = [sys.executable, "-m", "pokedex_local.auth.token", "--user", "ash"]
    command += ["--state-dir", str(Path(auth["key_file"]).parent)]
    minted = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert minted.returncode == 0, minted.stderr
    token = minted.stdout.splitlines()[-1]
    # Gets through the authorizer: whatever the function answers, it is not the gateway's
    answer = get(url + "/teams", headers={"Authorization": f"Bearer {token}"})
    assert answer.status not in (401, 403), answer.body
    assert "www-authenticate" not in answer.headers
    # And the public routes stay public
    assert get(url + "/types").status == 200
