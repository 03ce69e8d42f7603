"""Lambda's Invoke API on the local stack, for SDK-driven tests and the AWS CLI:

    POST /2015-03-31/functions/{FunctionName}/invocations

as `aws lambda invoke --endpoint-url http://127.0.0.1:3000 ...` and a boto3 Lambda client
send it. ``X-Amz-Invocation-Type``: ``RequestResponse`` (default) answers 200 with the
function's result, and a function error as 200 with ``X-Amz-Function-Error: Unhandled`` and
the error document; ``Event`` answers 202 at once and runs the invocation in the
background; ``DryRun`` answers 204. Errors are the service's: 404
ResourceNotFoundException, 429 TooManyRequestsException, 400 for a body that is not JSON or
an unknown invocation type, 413 over 6 MB. Requests are not authenticated (SigV4
signatures are accepted unchecked) and ``X-Amz-Log-Type: Tail`` is not supported.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote

from pokedex_local.gateway import events
from pokedex_local.gateway.responses import HttpResponse
from pokedex_local.lambda_env.environment import Outcome
from pokedex_local.lambda_env.fork_server_client import SpawnError
from pokedex_local.lambda_env.pool import EnvironmentPool, Throttled

PREFIX = "/2015-03-31/functions/"
_PATH = re.compile(r"/2015-03-31/functions/([^/]+)/invocations")
MAX_PAYLOAD = 6 * 1024 * 1024


def function_name(identifier: str) -> str:
    """A name, a full ARN or a partial one ("000000000000:function:name[:qualifier]")."""
    if ":function:" in identifier:
        return identifier.split(":function:", 1)[1].split(":", 1)[0]
    return identifier


async def invoke(
    method: str,
    raw_path: str,
    headers: Mapping[str, str],
    body: bytes,
    functions: Mapping[str, EnvironmentPool],
    background: Callable[[asyncio.Task[Outcome]], None],
) -> HttpResponse:
    found = _PATH.fullmatch(raw_path.partition("?")[0])
    if found is None or method != "POST":
        return _error(404, "UnknownOperationException", "Unknown operation")
    name = function_name(unquote(found.group(1)))  # SDKs percent-encode an ARN's colons
    pool = functions.get(name)
    if pool is None:
        arn = f"arn:aws:lambda:us-east-1:{events.ACCOUNT_ID}:function:{name}"
        return _error(404, "ResourceNotFoundException", f"Function not found: {arn}")
    kind = headers.get("x-amz-invocation-type", "RequestResponse")
    if kind not in ("RequestResponse", "Event", "DryRun"):
        return _error(400, "InvalidParameterValueException", f"Invalid invocation type {kind}")
    if len(body) > MAX_PAYLOAD:
        return _error(413, "RequestTooLargeException", "Request must be smaller than 6291456 bytes")
    payload = body if body.strip() else b"{}"
    try:
        json.loads(payload)
    except ValueError:
        message = "Could not parse request body into json: the payload is not valid JSON"
        return _error(400, "InvalidRequestContentException", message)
    if kind == "DryRun":
        return HttpResponse(204, _service_headers(""))
    request_id = events.new_lambda_request_id()
    task = asyncio.ensure_future(pool.invoke(request_id, payload))
    background(task)
    if kind == "Event":
        return HttpResponse(202, _service_headers(request_id))
    try:
        outcome = await asyncio.shield(task)
    except Throttled:
        return _error(429, "TooManyRequestsException", "Rate Exceeded.")
    except SpawnError:
        return _error(500, "ServiceException", "No execution environment could be started")
    headers_out = [*_service_headers(request_id), ("content-type", "application/json")]
    if not outcome.ok:
        headers_out.append(("x-amz-function-error", "Unhandled"))
    return HttpResponse(200, headers_out, outcome.payload)


def _service_headers(request_id: str) -> list[tuple[str, str]]:
    headers = [("x-amz-executed-version", "$LATEST")]
    if request_id:
        headers.append(("x-amzn-requestid", request_id))
    return headers


def _error(status: int, error_type: str, message: str) -> HttpResponse:
    body: dict[str, Any] = {"Type": "User", "Message": message, "message": message}
    return HttpResponse(
        status,
        [("content-type", "application/json"), ("x-amzn-errortype", error_type)],
        json.dumps(body).encode(),
    )
