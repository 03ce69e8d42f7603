"""Checking an AWS Signature Version 4 the way an AWS endpoint does, for the local one.

The local Secrets Manager endpoint accepts only requests signed with the stack's own
credentials, which live in files only the stack's user can read: another account on the
machine can reach the port but cannot read a secret. The signature is recomputed from the
request as received (the headers the client says it signed, the body's hash) with the
signing code the function itself uses (pokedex/sigv4.py), so boto3, the AWS CLI and the
function are all checked alike.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from pokedex.sigv4 import Credentials, sign

# AWS refuses a request signed more than 15 minutes away from its clock.
MAX_SKEW_S = 15 * 60
_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256\s+Credential=(?P<key>[^/]+)/(?P<scope>[^,\s]+),\s*"
    r"SignedHeaders=(?P<signed>[^,\s]+),\s*Signature=(?P<signature>[0-9a-f]{64})\s*"
)


@dataclass(frozen=True)
class Refused(Exception):
    """A request the endpoint refuses: the AWS error type and message to answer with."""

    kind: str
    message: str


def check(
    *,
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes,
    credentials: Credentials,
    service: str,
    now: datetime | None = None,
) -> None:
    """Raise Refused unless the request is signed with ``credentials`` for ``service``."""
    lower = {name.lower(): value for name, value in headers.items()}
    authorization = lower.get("authorization")
    if not authorization:
        raise Refused("MissingAuthenticationTokenException", "Missing Authentication Token")
    found = _AUTHORIZATION.fullmatch(authorization)
    if found is None:
        raise Refused("IncompleteSignatureException", "The Authorization header is malformed.")
    if not hmac.compare_digest(found["key"], credentials.access_key):
        raise Refused(
            "UnrecognizedClientException", "The security token included in the request is invalid."
        )
    scope = found["scope"]
    parts = scope.split("/")
    if len(parts) != 4 or parts[2] != service or parts[3] != "aws4_request":
        raise Refused("InvalidSignatureException", f"Credential should be scoped to {service}.")
    amz_date = lower.get("x-amz-date", "")
    _check_clock(amz_date, parts[0], now or datetime.now(UTC))
    signed = found["signed"].split(";")
    if "host" not in signed or any(name not in lower for name in signed):
        raise Refused("InvalidSignatureException", "Host and every signed header must be sent.")
    path, _, query = target.partition("?")
    canonical = "\n".join(
        [
            method,
            urllib.parse.quote(path or "/", safe="/~"),
            _canonical_query(query),
            *(f"{name}:{' '.join(lower[name].split())}" for name in signed),
            "",
            ";".join(signed),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    expected = sign(credentials.secret_key, amz_date, scope, canonical)
    if not hmac.compare_digest(expected, found["signature"]):
        raise Refused(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method.",
        )


def _check_clock(amz_date: str, day: str, now: datetime) -> None:
    try:
        signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise Refused(
            "IncompleteSignatureException", "X-Amz-Date is missing or malformed."
        ) from None
    if amz_date[:8] != day:
        raise Refused("InvalidSignatureException", "The credential's date is not X-Amz-Date's.")
    if abs((now - signed_at).total_seconds()) > MAX_SKEW_S:
        raise Refused("InvalidSignatureException", "Signature expired: the clocks differ.")


def _canonical_query(query: str) -> str:
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    encoded = sorted(
        (urllib.parse.quote(k, safe="-_.~"), urllib.parse.quote(v, safe="-_.~")) for k, v in pairs
    )
    return "&".join(f"{k}={v}" for k, v in encoded)
