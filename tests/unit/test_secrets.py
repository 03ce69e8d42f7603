"""Credentials: the RDS secret shape, the per-environment cache, and the SigV4 signer."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

from pokedex.errors import SecretError
from pokedex.function_spec import API_FUNCTION
from pokedex.secrets import DbCredentials, SecretCache, SecretsManagerClient
from pokedex.sigv4 import Credentials, sign_post

RDS_SECRET = json.dumps(
    {
        "username": API_FUNCTION.database_role,
        "password": "s3cret",
        "engine": "postgres",
        "host": "db.example",
        "port": 5432,
        "dbname": "demoProxiedDB",
    }
)


def test_reads_the_rds_secret_shape() -> None:
    creds = DbCredentials.from_secret_string("app", RDS_SECRET)
    assert (creds.username, creds.password, creds.dbname, creds.port) == (
        API_FUNCTION.database_role,
        "s3cret",
        "demoProxiedDB",
        5432,
    )


@pytest.mark.parametrize(
    ("text", "complaint"),
    [("not json", "not JSON"), ("[1]", "not a JSON object"), ('{"username": "u"}', "password")],
)
def test_a_malformed_secret_is_named(text: str, complaint: str) -> None:
    with pytest.raises(SecretError, match=complaint) as raised:
        DbCredentials.from_secret_string("my-secret", text)
    assert "my-secret" in str(raised.value)


def test_the_cache_fetches_once_until_asked_to_refresh() -> None:
    calls: list[str] = []

    def fetch(secret_id: str) -> str:
        calls.append(secret_id)
        return RDS_SECRET

    cache = SecretCache("app", fetch)
    cache.get()
    cache.get()
    assert calls == ["app"]
    cache.get(refresh=True)
    assert calls == ["app", "app"]


def test_endpoint_override_and_region() -> None:
    env = {"AWS_REGION": "eu-west-1", "AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://127.0.0.1:4566/"}
    assert SecretsManagerClient(env).endpoint == "http://127.0.0.1:4566"
    assert SecretsManagerClient({"AWS_REGION": "eu-west-1"}).endpoint == (
        "https://secretsmanager.eu-west-1.amazonaws.com"
    )
    with pytest.raises(SecretError, match="AWS_REGION"):
        SecretsManagerClient({})


def test_missing_aws_credentials_are_named() -> None:
    client = SecretsManagerClient({"AWS_REGION": "eu-west-1"})
    with pytest.raises(SecretError, match="AWS_ACCESS_KEY_ID"):
        client.get_secret_string("app")


@pytest.mark.parametrize("token", [None, "IQoJb3JpZ2luX2VjEFAKE//TOKEN=="])
@pytest.mark.parametrize("host", ["secretsmanager.eu-west-1.amazonaws.com", "127.0.0.1:4566"])
def test_signature_matches_botocore(token: str | None, host: str) -> None:
    now = datetime(2026, 11, 26, 17, 20, 2, tzinfo=UTC)
    body = b'{"SecretId": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app-AbCdEf"}'
    ours = sign_post(
        host=host,
        service="secretsmanager",
        region="eu-west-1",
        target="secretsmanager.GetSecretValue",
        body=body,
        credentials=Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token),
        now=now,
    )
    request = AWSRequest(
        method="POST",
        url=f"https://{host}/",
        data=body,
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "secretsmanager.GetSecretValue",
        },
    )
    signer = SigV4Auth(
        BotoCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token),
        "secretsmanager",
        "eu-west-1",
    )
    request.context["timestamp"] = now.strftime("%Y%m%dT%H%M%SZ")
    request.headers["X-Amz-Date"] = request.context["timestamp"]
    if token:
        request.headers["X-Amz-Security-Token"] = token
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    assert ours["authorization"].endswith(f"Signature={expected}")
    assert (
        f"SignedHeaders={signer.signed_headers(signer.headers_to_sign(request))}"
        in (ours["authorization"])
    )


def test_an_endpoint_that_does_not_answer_is_a_quick_503() -> None:
    import socket
    import time

    from pokedex import deadlines
    from pokedex.errors import SecretsUnavailable

    # A listening socket nobody accepts from: the connection is made, no answer ever comes.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        env = {
            "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL_SECRETS_MANAGER": f"http://127.0.0.1:{port}",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }
        started = time.monotonic()
        with pytest.raises(SecretsUnavailable) as raised:
            SecretsManagerClient(env).get_secret_string("app")
    assert time.monotonic() - started < deadlines.SECRETS_TIMEOUT_S + 0.5
    assert raised.value.status == 503
    assert raised.value.retry_after == deadlines.RETRY_AFTER_S
