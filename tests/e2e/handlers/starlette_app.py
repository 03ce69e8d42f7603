"""A Starlette app behind Mangum: how a team that brings its ASGI app deploys it on Lambda.

Mangum reads the event (rawPath, rawQueryString, cookies, headers, base64 bodies) and
builds the response (cookies, binary bodies); nothing here knows about the local gateway.
"""

from mangum import Mangum
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from validated import validated


async def files(request: Request) -> Response:
    return JSONResponse({"path": request.url.path, "name": request.path_params["name"]})


async def query(request: Request) -> Response:
    return JSONResponse({"items": request.query_params.multi_items()})


async def cookies(request: Request) -> Response:
    answer = JSONResponse({"cookies": request.cookies})
    answer.set_cookie("seen", "1")
    answer.set_cookie("flavour", "oat", path="/")
    return answer


async def echo_bytes(request: Request) -> Response:
    return Response(await request.body(), media_type="application/octet-stream")


async def empty(request: Request) -> Response:
    return Response(status_code=204)


app = Starlette(
    routes=[
        Route("/files/{name:path}", files),
        Route("/query", query),  # GET, and HEAD, which Starlette answers from GET
        Route("/cookies", cookies),
        Route("/bytes", echo_bytes, methods=["POST"]),
        Route("/empty", empty, methods=["DELETE"]),
    ]
)
handler = validated(Mangum(app, lifespan="off"))
