"""Lambda's Invoke API on the local gateway, driven by boto3's Lambda client as SDK-based
tests would drive AWS: RequestResponse, Event, DryRun, function errors and service errors."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import botocore.exceptions
import pytest

from tests.e2e.gateway_process import GatewayProcess, probe_gateway
from tests.e2e.test_stack import lambda_client

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayProcess]:
    gateway = probe_gateway(tmp_path_factory.mktemp("invoke"), "--function-name", "probe")
    yield gateway
    gateway.stop()


@pytest.fixture(scope="module")
def client(gateway: GatewayProcess) -> Any:
    return lambda_client(gateway.url)


def payload(route_key: str, **extra: Any) -> bytes:
    return json.dumps({"routeKey": route_key, **extra}).encode()


def test_request_response_returns_the_result(client: Any) -> None:
    answer = client.invoke(FunctionName="probe", Payload=payload("GET /echo", custom=[1, 2]))
    assert answer["StatusCode"] == 200
    assert answer["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in answer
    result = json.loads(answer["Payload"].read())
    assert result["event"] == {"routeKey": "GET /echo", "custom": [1, 2]}
    assert result["context"]["aws_request_id"] == answer["ResponseMetadata"]["RequestId"]


def test_a_function_error_is_200_with_the_error_document(client: Any) -> None:
    answer = client.invoke(FunctionName="probe", Payload=payload("GET /fail"))
    assert (answer["StatusCode"], answer["FunctionError"]) == (200, "Unhandled")
    error = json.loads(answer["Payload"].read())
    assert (error["errorType"], error["errorMessage"]) == ("ValueError", "failed on purpose")


def test_dry_run_and_event(client: Any, gateway: GatewayProcess) -> None:
    assert client.invoke(FunctionName="probe", InvocationType="DryRun")["StatusCode"] == 204
    before = gateway.environments()["invocations"]
    answer = client.invoke(
        FunctionName="arn:aws:lambda:us-east-1:000000000000:function:probe",
        InvocationType="Event",
        Payload=payload("GET /sleep/{seconds}", pathParameters={"seconds": "0.2"}),
    )
    assert answer["StatusCode"] == 202
    assert answer["Payload"].read() == b""
    deadline = time.monotonic() + 5
    while gateway.environments()["invocations"] == before:
        assert time.monotonic() < deadline, "the Event invocation never ran"
        time.sleep(0.05)


def test_service_errors_as_the_sdk_knows_them(client: Any) -> None:
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.invoke(FunctionName="nope", Payload=b"{}")
    with pytest.raises(client.exceptions.InvalidRequestContentException):
        client.invoke(FunctionName="probe", Payload=b"{not json")
    with pytest.raises(botocore.exceptions.ClientError, match="InvalidParameterValue"):
        client.invoke(FunctionName="probe", InvocationType="Sometimes", Payload=b"{}")
