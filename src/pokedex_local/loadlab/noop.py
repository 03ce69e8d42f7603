"""A function that does nothing: behind the local gateway it measures the HTTP tier's ceiling."""

from typing import Any

BODY = '{"ok": true}'


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": BODY}
