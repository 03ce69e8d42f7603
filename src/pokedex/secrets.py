"""Database credentials from Secrets Manager, cached for the life of the environment.

The call goes to the standard endpoint, or to AWS_ENDPOINT_URL_SECRETS_MANAGER when set
(the local emulator; in the VPC the interface endpoint answers the standard name), signed
with the environment's own credentials. A secret is fetched once per environment and
again only when asked to refresh, which the database layer does once after a failed login
(the password was rotated).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from pokedex.deadlines import SECRETS_TIMEOUT_S
from pokedex.errors import SecretError, SecretsUnavailable
from pokedex.sigv4 import Credentials, sign_post


@dataclass(frozen=True)
class DbCredentials:
    """The JSON shape RDS generates for a database secret."""

    username: str
    password: str
    dbname: str | None = None
    host: str | None = None
    port: int | None = None

    @classmethod
    def from_secret_string(cls, secret_id: str, text: str) -> DbCredentials:
        try:
            data = json.loads(text)
        except ValueError:
            raise SecretError(f"secret {secret_id} is not JSON") from None
        if not isinstance(data, dict):
            raise SecretError(f"secret {secret_id} is not a JSON object")
        missing = [key for key in ("username", "password") if not data.get(key)]
        if missing:
            raise SecretError(f"secret {secret_id} has no {' or '.join(missing)}")
        port = data.get("port")
        return cls(
            username=str(data["username"]),
            password=str(data["password"]),
            dbname=data.get("dbname") or None,
            host=data.get("host") or None,
            port=int(port) if port not in (None, "") else None,
        )


class SecretsManagerClient:
    """GetSecretValue over HTTPS with urllib; no SDK."""

    def __init__(
        self, env: Mapping[str, str] | None = None, timeout_s: float = SECRETS_TIMEOUT_S
    ) -> None:
        env = os.environ if env is None else env
        self._env = env
        self.region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or ""
        if not self.region:
            raise SecretError("environment variable AWS_REGION is missing")
        self.endpoint = (
            env.get("AWS_ENDPOINT_URL_SECRETS_MANAGER")
            or env.get("AWS_ENDPOINT_URL")
            or f"https://secretsmanager.{self.region}.amazonaws.com"
        ).rstrip("/")
        self.timeout_s = timeout_s

    def get_secret_string(self, secret_id: str) -> str:
        body = json.dumps({"SecretId": secret_id}).encode()
        headers = sign_post(
            host=urllib.parse.urlsplit(self.endpoint).netloc,
            service="secretsmanager",
            region=self.region,
            target="secretsmanager.GetSecretValue",
            body=body,
            credentials=self._credentials(),
            now=datetime.now(UTC),
        )
        request = urllib.request.Request(self.endpoint + "/", body, headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                payload = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            # A 5xx (or throttling) passes; a 4xx (no such secret, access denied) does not.
            transient = exc.code >= 500 or exc.code == 429
            error = SecretsUnavailable if transient else SecretError
            raise error(f"secret {secret_id}: {_aws_error(exc)}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            # Down, refused or too slow: a cold start answers 503 with Retry-After within
            # the timeout rather than holding the client.
            raise SecretsUnavailable(
                f"secret {secret_id}: Secrets Manager unreachable ({exc})"
            ) from None
        text = payload.get("SecretString")
        if not isinstance(text, str):
            raise SecretError(f"secret {secret_id} has no SecretString")
        return text

    def _credentials(self) -> Credentials:
        access_key = self._env.get("AWS_ACCESS_KEY_ID", "")
        secret_key = self._env.get("AWS_SECRET_ACCESS_KEY", "")
        if not access_key or not secret_key:
            raise SecretError("no AWS credentials in the environment (AWS_ACCESS_KEY_ID)")
        return Credentials(access_key, secret_key, self._env.get("AWS_SESSION_TOKEN") or None)


def _aws_error(exc: urllib.error.HTTPError) -> str:
    try:
        data = json.loads(exc.read())
        kind = str(data.get("__type", "")).rsplit("#", 1)[-1]
        message = data.get("message") or data.get("Message") or ""
        return f"{kind or exc.code}: {message}".rstrip(": ")
    except ValueError:
        return f"HTTP {exc.code}"


class SecretCache:
    """One secret's credentials, fetched on first use and on demand after a failed login."""

    def __init__(self, secret_id: str, fetch: Callable[[str], str]) -> None:
        self.secret_id = secret_id
        self._fetch = fetch
        self._value: DbCredentials | None = None
        self.fetches = 0

    def get(self, *, refresh: bool = False) -> DbCredentials:
        if self._value is None or refresh:
            self.fetches += 1
            self._value = DbCredentials.from_secret_string(
                self.secret_id, self._fetch(self.secret_id)
            )
        return self._value
