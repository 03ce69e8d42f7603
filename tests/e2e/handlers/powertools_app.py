"""An AWS Lambda Powertools ``APIGatewayHttpResolver`` app: Powertools does the routing
and the response shaping (cookies, base64 for bytes) from the payload 2.0 event."""

import base64
import json

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.shared.cookies import Cookie
from validated import validated

app = APIGatewayHttpResolver()


@app.get("/files/<name>")
def files(name: str) -> dict[str, str]:
    return {"path": app.current_event.path, "name": name}


@app.route("/query", method=["GET", "HEAD"])
def query() -> dict[str, object]:
    return {"params": app.current_event.query_string_parameters}


@app.get("/cookies")
def cookies() -> Response:
    return Response(
        status_code=200,
        content_type="application/json",
        body=json.dumps({"cookies": app.current_event.cookies}),
        cookies=[Cookie(name="seen", value="1"), Cookie(name="flavour", value="oat")],
    )


@app.post("/bytes")
def echo_bytes() -> Response:
    event = app.current_event
    # decoded_body would decode as UTF-8: take the bytes themselves.
    data = base64.b64decode(event.body or "") if event.is_base64_encoded else event.body
    return Response(status_code=200, content_type="application/octet-stream", body=data)


@app.delete("/empty")
def empty() -> Response:
    return Response(status_code=204, content_type=None, body=None)


@validated
def handler(event, context):
    return app.resolve(event, context)
