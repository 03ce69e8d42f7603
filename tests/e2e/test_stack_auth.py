"""`make run` with the JWT authorizer: the team routes behind it, stack.json's auth entry,
and a token from `make token`'s command, against the real stack."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from typing import Any

import pytest

from pokedex_local.auth.issuer import ISSUER_PATH
from tests.e2e.gateway_process import get, request

pytestmark = pytest.mark.e2e


def test_the_team_routes_need_a_token_from_make_token(local_stack: dict[str, Any]) -> None:
    url, auth = local_stack["api_url"], local_stack["auth"]
    # The issuer the stack trusts is the local one, its documents served by the gateway
    assert auth["issuer"] == url + ISSUER_PATH
    assert get(auth["discovery_url"]).json()["jwks_uri"] == auth["jwks_uri"]
    # No token: refused before the function runs
    refused = get(url + "/teams")
    assert (refused.status, refused.json()) == (401, {"message": "Unauthorized"})
    assert refused.headers["www-authenticate"].startswith("Bearer ")
    # A token minted by `make token`'s command from the stack's state directory
    token = make_token(local_stack, "ash")
    # Gets through the authorizer: whatever the function answers, it is not the gateway's
    answer = get(url + "/teams", headers={"Authorization": f"Bearer {token}"})
    assert answer.status not in (401, 403), answer.body
    assert "www-authenticate" not in answer.headers
    # And the public routes stay public
    assert get(url + "/types").status == 200


def make_token(stack: dict[str, Any], user: str) -> str:
    """`make token USER=...`: its command, its last line."""
    command = [sys.executable, "-m", "pokedex_local.auth.token", "--user", user]
    command += ["--state-dir", stack["state_dir"]]
    minted = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert minted.returncode == 0, minted.stderr
    return minted.stdout.splitlines()[-1]


def test_the_team_lifecycle_over_http(local_stack: dict[str, Any]) -> None:
    url = local_stack["api_url"]
    suffix = uuid.uuid4().hex[:6]
    ash = {"authorization": "Bearer " + make_token(local_stack, f"ash-{suffix}")}
    misty = {"authorization": "Bearer " + make_token(local_stack, f"misty-{suffix}")}
    json_body = {"content-type": "application/json"}
    body = json.dumps({"name": "Kanto", "members": [1, 4, 7]}).encode()
    # Two POSTs with one Idempotency-Key: one team
    key = {"idempotency-key": str(uuid.uuid4())}
    first = request("POST", url + "/teams", body, {**ash, **json_body, **key})
    again = request("POST", url + "/teams", body, {**ash, **json_body, **key})
    assert (first.status, again.status) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    location = url + first.headers["location"]
    assert [t["id"] for t in get(url + "/teams", ash).json()] == [first.json()["id"]]
    # Without a token: the authorizer's 401; another user: 404, and nothing of ash's
    assert request("POST", url + "/teams", body, json_body).status == 401
    assert get(location, misty).status == 404
    assert get(url + "/teams", misty).json() == []
    # Replace with the current version, then a stale one is refused
    renamed = json.dumps({"name": "Kanto II", "members": [25]}).encode()
    replaced = request("PUT", location, renamed, {**ash, **json_body, "if-match": '"v1"'})
    assert (replaced.status, replaced.headers["etag"]) == (200, '"v2"')
    stale = request("PUT", location, body, {**ash, **json_body, "if-match": '"v1"'})
    assert stale.status == 412
    assert get(location, ash).json()["name"] == "Kanto II"
    assert get(location, {**ash, "if-none-match": '"v2"'}).status == 304
    # Delete: gone
    assert request("DELETE", location, None, {**ash, "if-match": '"v2"'}).status == 204
    assert get(location, ash).status == 404
