"""The local Secrets Manager endpoint, in-process over real HTTP, driven by boto3."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.exceptions
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

from pokedex.secrets import SecretsManagerClient
from pokedex.sigv4 import Credentials, sign_post
from pokedex_local import secrets_emulator, sigv4_check
from pokedex_local.loadlab.stack import RunningStack
from pokedex_local.tier import secrets_server

KEYS = {"AWS_ACCESS_KEY_ID": "AKIALOCALTEST", "AWS_SECRET_ACCESS_KEY": "s3cret/+key"}


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    credentials = Credentials(KEYS["AWS_ACCESS_KEY_ID"], KEYS["AWS_SECRET_ACCESS_KEY"])
    handler = secrets_emulator.handler_class(secrets_emulator.SecretStore(), credentials)
    server = secrets_emulator.Server(("127.0.0.1", 0), handler)
    # shutdown() waits for the loop's next poll: 0.5 s by default, at the end of every run.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def error_of(call: Any) -> tuple[str, str]:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call()
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def test_create_get_and_rotate_keep_the_version_stages(url: str) -> None:
    client = secrets_server.client_for(url, KEYS)
    created = client.create_secret(Name="app", SecretString='{"password": "one"}')
    assert created["ARN"].startswith("arn:aws:secretsmanager:us-east-1:")
    client.put_secret_value(SecretId="app", SecretString='{"password": "two"}')
    assert client.get_secret_value(SecretId="app")["SecretString"] == '{"password": "two"}'
    by_arn = client.get_secret_value(SecretId=created["ARN"], VersionStage="AWSPREVIOUS")
    assert by_arn["SecretString"] == '{"password": "one"}'
    assert by_arn["VersionStages"] == ["AWSPREVIOUS"]
    stages = client.describe_secret(SecretId="app")["VersionIdsToStages"]
    assert sorted(map(tuple, stages.values())) == [("AWSCURRENT",), ("AWSPREVIOUS",)]
    assert "app" in [s["Name"] for s in client.list_secrets()["SecretList"]]
    assert error_of(lambda: client.create_secret(Name="app", SecretString="x"))[0] == (
        "ResourceExistsException"
    )
    assert error_of(lambda: client.get_secret_value(SecretId="nope"))[0] == (
        "ResourceNotFoundException"
    )


def test_the_functions_own_signed_call_is_accepted(url: str) -> None:
    secrets_server.client_for(url, KEYS).create_secret(Name="fn", SecretString="hello")
    env = {**KEYS, "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_SECRETS_MANAGER": url}
    assert SecretsManagerClient(env).get_secret_string("fn") == "hello"


def test_a_stack_description_gives_a_client_signing_as_its_function(url: str) -> None:
    # stack.json names the endpoint and the function's credentials; nothing else is needed.
    secrets_server.client_for(url, KEYS).create_secret(Name="described", SecretString="y")
    stack = RunningStack({"secrets_endpoint": url, "function": {"env": {**KEYS, "SECRET": "s"}}})
    assert stack.secrets_client().get_secret_value(SecretId="described")["SecretString"] == "y"


def test_other_credentials_are_refused(url: str) -> None:
    secrets_server.client_for(url, KEYS).create_secret(Name="guarded", SecretString="x")
    stranger = secrets_server.client_for(url, {**KEYS, "AWS_ACCESS_KEY_ID": "AKIAOTHER"})
    assert error_of(lambda: stranger.get_secret_value(SecretId="guarded"))[0] == (
        "UnrecognizedClientException"
    )
    guesser = secrets_server.client_for(url, {**KEYS, "AWS_SECRET_ACCESS_KEY": "guess"})
    assert error_of(lambda: guesser.get_secret_value(SecretId="guarded"))[0] == (
        "InvalidSignatureException"
    )


def test_an_unsigned_request_is_refused(url: str) -> None:
    request = urllib.request.Request(
        url,
        data=json.dumps({"SecretId": "guarded"}).encode(),
        headers={"x-amz-target": "secretsmanager.GetSecretValue"},
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)
    assert caught.value.code == 400
    assert json.loads(caught.value.read())["__type"] == "MissingAuthenticationTokenException"


def _botocore_signed(url: str, service: str, body: bytes) -> dict[str, str]:
    request = AWSRequest(method="POST", url=url, data=body, headers={"x-amz-target": "T"})
    SigV4Auth(BotoCredentials("AKID", "SECRET"), service, "eu-west-1").add_auth(request)
    return dict(request.headers.items())


def test_the_check_accepts_botocores_signature_with_a_query_and_refuses_changes() -> None:
    target = "/some/path?b=2&a=x%20y"
    body = b'{"k": "v"}'
    headers = _botocore_signed(f"http://localhost:4566{target}", "secretsmanager", body)
    headers["host"] = "localhost:4566"
    credentials = Credentials("AKID", "SECRET")
    check = {"method": "POST", "target": target, "credentials": credentials}
    sigv4_check.check(**check, headers=headers, body=body, service="secretsmanager")
    with pytest.raises(sigv4_check.Refused, match="signature"):
        sigv4_check.check(**check, headers=headers, body=b'{"k": "w"}', service="secretsmanager")
    with pytest.raises(sigv4_check.Refused, match="scoped"):
        sigv4_check.check(**check, headers=headers, body=body, service="lambda")


def test_a_signature_from_another_time_is_refused() -> None:
    credentials = Credentials("AKID", "SECRET")
    headers = sign_post(
        host="localhost",
        service="secretsmanager",
        region="us-east-1",
        target="secretsmanager.GetSecretValue",
        body=b"",
        credentials=credentials,
        now=datetime.now(UTC) - timedelta(minutes=20),
    )
    with pytest.raises(sigv4_check.Refused, match="expired"):
        sigv4_check.check(
            method="POST",
            target="/",
            headers=headers,
            body=b"",
            credentials=credentials,
            service="secretsmanager",
        )
