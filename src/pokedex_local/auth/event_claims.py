"""``requestContext.authorizer`` as HTTP API hands a JWT authorizer's result to a function.

The shape, from captured events: ``{"jwt": {"claims": {...}, "scopes": ...}}``, every claim
value a string. A captured event from a Cognito-backed HTTP API (DefinitelyTyped/
DefinitelyTyped#75458) shows numbers as their digits (``"exp": "1787996002"``) and
``"scopes": null`` on a route without authorization scopes although the token had a
``scope`` claim (also aws/aws-lambda-go#317). Captures reported in floci-io/floci#2011 show
booleans as ``"true"``, a list as Go prints a slice (``"[admin poweruser]"``), a nested
object as JSON text, and a null claim left out. Routes without an authorizer have no
``authorizer`` key at all (aws-lambda-go ``events/testdata/apigw-v2-request-no-authorizer
.json``).

Not shown by any capture, and assumed: ``scopes`` on a route that has authorization
scopes is the token's scopes (``scp`` or ``scope``, split).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from pokedex_local.auth.claims import token_scopes


def authorizer_context(
    claims: Mapping[str, Any], route_scopes: Sequence[str]
) -> dict[str, dict[str, Any]]:
    scopes = token_scopes(claims) if route_scopes else None
    return {"jwt": {"claims": event_claims(claims), "scopes": scopes}}


def event_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    return {name: _text(value) for name, value in claims.items() if value is not None}


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # JSON numbers are floats to Go; a whole one prints as its digits ("1787996002").
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, list):
        return "[" + " ".join(_text(item) for item in value) + "]"
    if value is None:
        return "null"  # only inside a list (a null claim is left out): not captured
    return json.dumps(value, separators=(",", ":"))
