"""The local Secrets Manager endpoint: the part of the AWS JSON API the stack uses, signed.

It answers CreateSecret, PutSecretValue, GetSecretValue, DescribeSecret and ListSecrets
in Secrets Manager's wire format (AWS JSON 1.1; errors as ``{"__type", "message"}`` with
status 400), keeps the versions and their AWSCURRENT/AWSPREVIOUS stages as rotation does,
and refuses every request not signed with the stack's credentials (pokedex_local/sigv4_check.py),
which it reads from its environment. The secrets live in memory: the tier stores them
again when it restarts this process. Each request is logged as one access-log line. It
imports only the standard library and pokedex.sigv4, so the tier can run it as its
unprivileged service account with any Python 3.11 that account can reach.

    POKEDEX_SECRETS_ACCESS_KEY_ID=... POKEDEX_SECRETS_SECRET_ACCESS_KEY=... \\
        python -m pokedex_local.secrets_emulator --port 4566
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pokedex.sigv4 import Credentials
from pokedex_local import sigv4_check

# What --help says: a constant, since python -OO strips docstrings.
DESCRIPTION = (
    "The local Secrets Manager endpoint: the part of the AWS JSON API the stack uses, signed."
)

SERVICE = "secretsmanager"
REGION = "us-east-1"
ACCOUNT = "000000000000"
HEALTH_PATH = "/__health"
KEY_ENV = "POKEDEX_SECRETS_ACCESS_KEY_ID"
SECRET_ENV = "POKEDEX_SECRETS_SECRET_ACCESS_KEY"
_JSON = "application/x-amz-json-1.1"
_MAX_BODY = 1 << 20  # a secret is at most 64 KB; the API's requests are small


class ApiError(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def _not_found() -> ApiError:
    return ApiError("ResourceNotFoundException", "Secrets Manager can't find the specified secret.")


@dataclass
class Version:
    version_id: str
    secret_string: str
    stages: list[str]
    created: float


@dataclass
class Secret:
    name: str
    arn: str
    created: float
    versions: list[Version] = field(default_factory=list)

    def staged(self, stage: str) -> Version | None:
        return next((v for v in self.versions if stage in v.stages), None)


class SecretStore:
    """The secrets by name, with Secrets Manager's version stages; safe across threads."""

    def __init__(self) -> None:
        self._secrets: dict[str, Secret] = {}
        self._lock = threading.Lock()

    def _find(self, secret_id: Any) -> Secret:
        if not isinstance(secret_id, str) or not secret_id:
            raise ApiError("InvalidParameterException", "SecretId is required.")
        found = self._secrets.get(secret_id) or next(
            (s for s in self._secrets.values() if s.arn == secret_id), None
        )
        if found is None:
            raise _not_found()
        return found

    def create(self, request: dict[str, Any]) -> dict[str, Any]:
        name = request.get("Name")
        text = request.get("SecretString")
        if not isinstance(name, str) or not 1 <= len(name) <= 512:
            raise ApiError("InvalidParameterException", "Name must be 1 to 512 characters.")
        with self._lock:
            if name in self._secrets:
                raise ApiError(
                    "ResourceExistsException",
                    f"The operation failed because the secret {name} already exists.",
                )
            suffix = secrets.token_hex(3)
            arn = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}-{suffix}"
            secret = self._secrets[name] = Secret(name, arn, time.time())
            version = self._add_version(secret, text, request.get("ClientRequestToken"))
        return {"ARN": secret.arn, "Name": name, "VersionId": version.version_id}

    def put(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            secret = self._find(request.get("SecretId"))
            version = self._add_version(
                secret, request.get("SecretString"), request.get("ClientRequestToken")
            )
        return {
            "ARN": secret.arn,
            "Name": secret.name,
            "VersionId": version.version_id,
            "VersionStages": list(version.stages),
        }

    def _add_version(self, secret: Secret, text: Any, token: Any) -> Version:
        if not isinstance(text, str) or not 1 <= len(text.encode()) <= 65536:
            raise ApiError("InvalidParameterException", "SecretString must be 1 to 65536 bytes.")
        # The stages move as on AWS: the new version is AWSCURRENT, the old AWSPREVIOUS.
        for old in secret.versions:
            old.stages = [s for s in old.stages if s != "AWSPREVIOUS"]
            if "AWSCURRENT" in old.stages:
                old.stages = [s for s in old.stages if s != "AWSCURRENT"] + ["AWSPREVIOUS"]
        secret.versions = [v for v in secret.versions if v.stages]
        version_id = token if isinstance(token, str) and token else str(uuid.uuid4())
        version = Version(version_id, text, ["AWSCURRENT"], time.time())
        secret.versions.append(version)
        return version

    def get(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            secret = self._find(request.get("SecretId"))
            version_id = request.get("VersionId")
            stage = request.get("VersionStage") or ("AWSCURRENT" if not version_id else None)
            if version_id:
                version = next((v for v in secret.versions if v.version_id == version_id), None)
                if version is None or (stage and stage not in version.stages):
                    raise _not_found()
            else:
                version = secret.staged(str(stage))
                if version is None:
                    raise _not_found()
            return {
                "ARN": secret.arn,
                "Name": secret.name,
                "VersionId": version.version_id,
                "SecretString": version.secret_string,
                "VersionStages": list(version.stages),
                "CreatedDate": version.created,
            }

    def describe(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            return self._description(self._find(request.get("SecretId")))

    def list(self, _request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            return {"SecretList": [self._description(s) for s in self._secrets.values()]}

    @staticmethod
    def _description(secret: Secret) -> dict[str, Any]:
        return {
            "ARN": secret.arn,
            "Name": secret.name,
            "CreatedDate": secret.created,
            "VersionIdsToStages": {v.version_id: list(v.stages) for v in secret.versions},
        }


def handler_class(store: SecretStore, credentials: Credentials) -> type[BaseHTTPRequestHandler]:
    actions = {
        "CreateSecret": store.create,
        "PutSecretValue": store.put,
        "GetSecretValue": store.get,
        "DescribeSecret": store.describe,
        "ListSecrets": store.list,
    }

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as AWS endpoints
        server_version = "pokedex-local-secrets"
        action = "-"

        def do_GET(self) -> None:
            # Readiness for the tier; says nothing about the secrets.
            if self.path == HEALTH_PATH:
                self._answer(200, {"status": "ok"}, "application/json")
            else:
                self._error(ApiError("UnknownOperationException", "Use POST / with X-Amz-Target."))

        def do_POST(self) -> None:
            try:
                length = int(self.headers.get("content-length") or 0)
                if not 0 <= length <= _MAX_BODY:
                    raise ApiError("InvalidRequestException", "The request body is too large.")
                body = self.rfile.read(length)
                target = self.headers.get("x-amz-target", "")
                self.action = target.removeprefix("secretsmanager.")
                sigv4_check.check(
                    method="POST",
                    target=self.path,
                    headers=dict(self.headers.items()),
                    body=body,
                    credentials=credentials,
                    service=SERVICE,
                )
                action = actions.get(self.action) if target.startswith("secretsmanager.") else None
                if action is None:
                    raise ApiError(
                        "UnknownOperationException", f"Unknown operation {target[:80]!r}."
                    )
                request = json.loads(body or b"{}")
                if not isinstance(request, dict):
                    raise ApiError(
                        "SerializationException", "The request body must be a JSON object."
                    )
                self._answer(200, action(request), _JSON)
            except sigv4_check.Refused as refused:
                self._error(ApiError(refused.kind, refused.message))
            except ApiError as exc:
                self._error(exc)
            except (ValueError, UnicodeDecodeError):
                self._error(ApiError("SerializationException", "The request body is not JSON."))

        def _error(self, exc: ApiError) -> None:
            self._answer(400, {"__type": exc.kind, "message": exc.message}, _JSON)

        def _answer(self, status: int, document: dict[str, Any], content_type: str) -> None:
            payload = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(payload)))
            self.send_header("x-amzn-requestid", str(uuid.uuid4()))
            self.end_headers()
            self.wfile.write(payload)

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            # The access log's line, with the action: the fault lab counts the POSTs.
            self.log_message('"%s" %s %s', self.requestline, str(code), self.action)

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # A burst of a thousand cold starts each fetches its secret within a few seconds.
    request_queue_size = 1024


def credentials_from_env(env: dict[str, str] | os._Environ[str]) -> Credentials:
    key, secret = env.get(KEY_ENV, ""), env.get(SECRET_ENV, "")
    if not key or not secret:
        raise SystemExit(f"secrets emulator: {KEY_ENV} and {SECRET_ENV} must both be set")
    return Credentials(key, secret)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    credentials = credentials_from_env(os.environ)
    server = Server((args.host, args.port), handler_class(SecretStore(), credentials))
    print(
        f"secrets emulator listening on http://{args.host}:{args.port}", file=sys.stderr, flush=True
    )
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
