"""The aiohttp server: route, build the event, invoke, map the answer; plus the admin API."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from pokedex_local import live
from pokedex_local.auth import issuer as local_issuer
from pokedex_local.auth.claims import Rejected
from pokedex_local.gateway import events, http_io, invoke_api, paths, responses
from pokedex_local.gateway.jwt_authorizer import JwtAuthorizer, challenge
from pokedex_local.gateway.jwt_setup import JwtSettings, set_up
from pokedex_local.gateway.routing import RESERVED_PREFIX, Router
from pokedex_local.lambda_env import protocol
from pokedex_local.lambda_env.environment import Outcome
from pokedex_local.lambda_env.fork_server_client import SpawnError
from pokedex_local.lambda_env.pool import EnvironmentPool, Throttled
from pokedex_local.lambda_env.waiting_line import Abandoned
from pokedex_local.live.database import DatabaseWatch
from pokedex_local.live.metrics import RequestMetrics

logger = logging.getLogger(__name__)

ADMIN_PATH = RESERVED_PREFIX + "/environments"
MAX_HEADER_BYTES = 10 * 1024  # HTTP API: request line and header values
LIVE_PATH = RESERVED_PREFIX + "/"
STATS_PATH = RESERVED_PREFIX + "/stats"
OPENAPI_PATH = RESERVED_PREFIX + "/openapi.json"
ISSUER_DISCOVERY_PATH = local_issuer.ISSUER_PATH + local_issuer.DISCOVERY_SUFFIX
ISSUER_JWKS_PATH = local_issuer.ISSUER_PATH + local_issuer.JWKS_SUFFIX
_PAGE = (Path(live.__file__).parent / "index.html").read_bytes()


@dataclass(frozen=True)
class GatewayConfig:
    host: str = "127.0.0.1"
    port: int = 3000
    # Fixed at 30 s on AWS; settable here so tests need not wait that long.
    integration_timeout_s: float = 30.0
    # HTTP API's payload limit, and Lambda's synchronous invoke limit on the event.
    max_request_bytes: int = 10 * 1024 * 1024
    max_event_bytes: int = 6 * 1024 * 1024
    jwt: JwtSettings = field(default_factory=JwtSettings)


class Gateway:
    def __init__(
        self,
        config: GatewayConfig,
        router: Router,
        pool: EnvironmentPool,
        others: Mapping[str, EnvironmentPool] | None = None,
    ) -> None:
        self.config = config
        self._router = router
        self._pool = pool
        # Every function the Invoke API can reach: the API's and any others (migrations).
        self.functions = {pool.config.function_name: pool, **(others or {})}
        # The live view's sources: requests measured here; the database, when the stack
        # has one (make run sets it), watched only while the page is open.
        self.metrics = RequestMetrics()
        self.database_watch: DatabaseWatch | None = None
        self.mode = "gateway"
        self.openapi: bytes | None = None  # the API's document, when the stack serves one
        # The JWT authorizer in front of the routes marked auth (set up once the port, hence
        # the local issuer's URL, is known), and the local issuer whose discovery document
        # and keys are served under ISSUER_PATH, when it is the one trusted.
        self.authorizer: JwtAuthorizer | None = None
        self.issuer: local_issuer.LocalIssuer | None = None
        self.issuer_url = ""
        self._runner: web.ServerRunner | None = None
        # Invocations outlive a 503 (as on AWS the function keeps running): keep them here.
        self._inflight: set[asyncio.Task[Outcome]] = set()
        self.url = ""
        self._port = config.port

    async def start(self) -> str:
        # aiohttp's low-level server: one handler for every path, so the Application's
        # router, middlewares and Request objects (~5% of the CPU per request) are skipped.
        loop = asyncio.get_running_loop()
        max_size = self.config.max_request_bytes

        def make_request(message: Any, payload: Any, protocol: Any, writer: Any, task: Any) -> Any:
            return web.BaseRequest(
                message, payload, protocol, writer, task, loop, client_max_size=max_size
            )

        # HTTP API's quota is on the request line and headers together (10,240 bytes): no
        # single line may exceed it (aiohttp refuses with 400), and _dispatch checks the sum.
        server = web.Server(
            self._dispatch,
            request_factory=make_request,
            access_log=None,
            max_line_size=MAX_HEADER_BYTES,
            max_field_size=MAX_HEADER_BYTES,
        )
        self._runner = web.ServerRunner(server, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, self.config.port, backlog=4096)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self._port = int(port)
        self.url = f"http://{host}:{port}"
        jwt = set_up(self.config.jwt, self.config.host, self._port)
        self.authorizer, self.issuer = jwt.authorizer, jwt.local_issuer
        self.issuer_url = jwt.issuer_url
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        for task in self._inflight:
            task.cancel()
        await asyncio.gather(*self._inflight, return_exceptions=True)

    async def _dispatch(self, request: web.BaseRequest) -> web.StreamResponse:
        request_id = events.new_request_id()
        if http_io.header_bytes(request) > MAX_HEADER_BYTES:
            return http_io.respond(responses.gateway_error(431), request_id)
        if request.headers.get("expect", "").lower() == "100-continue":
            await http_io.send_continue(request)  # what the Application's router did for us
        # Checked on the path as sent: /%5F%5Flocal/... is an API path that no route has.
        if request.raw_path.startswith(local_issuer.ISSUER_PATH + "/"):
            # Public, as any OpenID provider's are: the discovery document and public keys.
            # So a gateway bound to a LAN address still reaches its own issuer.
            answer = self._issuer_document(request)
        elif request.raw_path.startswith((RESERVED_PREFIX + "/", invoke_api.PREFIX)):
            # The admin API and the Invoke API answer this machine only: the caller's
            # address and the Host it asked for must both be loopback (the Host check stops
            # a web page from reaching them through DNS rebinding).
            if not http_io.from_this_machine(request):
                answer = responses.gateway_error(404)
            elif request.raw_path.startswith(invoke_api.PREFIX):
                answer = await self._lambda_api(request)
            else:
                answer = self._admin(request)
        else:
            started = time.perf_counter()
            answer = await self._api(request, request_id)
            self.metrics.record(answer.status, time.perf_counter() - started)
        return http_io.respond(answer, request_id)

    def _admin(self, request: web.BaseRequest) -> responses.HttpResponse:
        path = request.raw_path.partition("?")[0]
        if request.method != "GET" or path not in (ADMIN_PATH, LIVE_PATH, STATS_PATH, OPENAPI_PATH):
            return responses.gateway_error(404)
        if path == OPENAPI_PATH:
            if self.openapi is None:
                return responses.gateway_error(404)
            return responses.HttpResponse(200, [("content-type", "application/json")], self.openapi)
        if path == LIVE_PATH:
            return responses.HttpResponse(
                200, [("content-type", "text/html; charset=utf-8")], _PAGE
            )
        if path == STATS_PATH:
            return http_io.json_response(self._stats())
        # ?brief leaves out the per-environment list: cheap enough to poll under load.
        brief = "brief" in request.query
        return http_io.json_response(self._pool.summary(brief=brief), indent=2)

    def _issuer_document(self, request: web.BaseRequest) -> responses.HttpResponse:
        """The local issuer's discovery document and JWKS (when it is the one trusted)."""
        path = request.raw_path.partition("?")[0]
        if request.method == "GET" and self.issuer is not None:
            if path == ISSUER_DISCOVERY_PATH:
                return http_io.json_response(self.issuer.discovery(self.issuer_url))
            if path == ISSUER_JWKS_PATH:
                return http_io.json_response(self.issuer.jwks())
        return responses.gateway_error(404)

    def _stats(self) -> dict[str, Any]:
        """What the live view polls each second."""
        return {
            "mode": self.mode,
            "requests": self.metrics.history()[-1:],
            "requests_total": self.metrics.total,
            "environments": self._pool.summary(brief=True),
            "database": self.database_watch.latest() if self.database_watch else None,
        }

    async def _lambda_api(self, request: web.BaseRequest) -> responses.HttpResponse:
        if (request.content_length or 0) > invoke_api.MAX_PAYLOAD:
            return responses.gateway_error(413)
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return responses.gateway_error(413)
        headers = {k.lower(): v for k, v in request.headers.items()}
        return await invoke_api.invoke(
            request.method, request.raw_path, headers, body, self.functions, self._keep
        )

    def _keep(self, task: asyncio.Task[Outcome]) -> None:
        """Hold an invocation until it ends, whoever still waits for it."""
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)
        task.add_done_callback(_forget)

    async def _api(self, request: web.BaseRequest, request_id: str) -> responses.HttpResponse:
        raw_path, _, raw_query = request.raw_path.partition("?")
        try:
            path = paths.decode(raw_path)
        except paths.BadPath:
            return responses.gateway_error(400)
        match = self._router.match(request.method, path)
        if match is None:
            return responses.gateway_error(404)
        authorizer = None
        if match.auth:
            # Before the function runs, as on AWS: a refused token never reaches it.
            try:
                authorizer = await self._authorize(request, match.route_key)
            except Rejected as refused:
                return self._refusal(refused, request_id, match.route_key)
        if (request.content_length or 0) > self.config.max_request_bytes:
            return responses.gateway_error(413)
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return responses.gateway_error(413)
        if len(body) > self.config.max_event_bytes:
            return responses.gateway_error(413)  # could not fit the event: not encoded first
        http_request = events.HttpRequest(
            method=request.method,
            raw_path=path,
            raw_query=raw_query,
            headers=request.headers.items(),
            body=body,
            source_ip=request.remote or "127.0.0.1",
            port=self._port,
            protocol=f"HTTP/{request.version.major}.{request.version.minor}",
        )
        event = events.build_event(
            http_request, match.route_key, match.path_parameters, request_id,
            authorizer=authorizer,
        )  # fmt: skip
        payload = protocol.compact_json(event).encode()
        if len(payload) > self.config.max_event_bytes:
            return responses.gateway_error(413)
        return await self._invoke(request_id, payload, http_io.client_gone(request))

    async def _authorize(self, request: web.BaseRequest, route_key: str) -> dict[str, Any]:
        if self.authorizer is None:  # not configured yet: fail closed
            raise Rejected("the gateway has no JWT authorizer configured")
        # Repeated Authorization headers arrive joined with "," as in the event: no JWT.
        values = request.headers.getall("authorization", [])
        return await self.authorizer.authorize(",".join(values) if values else None, route_key)

    def _refusal(
        self, refused: Rejected, request_id: str, route_key: str
    ) -> responses.HttpResponse:
        # AWS puts no reason on the wire beyond the one it documents (the audience): the
        # reason is logged here, once, so a developer can see why.
        logger.warning("JWT authorizer: %d for %s (%s): %s",
                       refused.status, route_key, request_id, refused.reason)  # fmt: skip
        scopes = self.authorizer.config.route_scopes.get(route_key, ()) if self.authorizer else ()
        header = ("www-authenticate", challenge(refused, scopes))
        return responses.gateway_error(refused.status, [header])

    async def _invoke(
        self, request_id: str, payload: bytes, gone: Callable[[], bool]
    ) -> responses.HttpResponse:
        # Lambda's request id is a UUID of its own, distinct from the gateway's.
        lambda_request_id = events.new_lambda_request_id()
        task = asyncio.ensure_future(self._pool.invoke(lambda_request_id, payload, gone))
        self._keep(task)
        try:
            # asyncio.timeout rather than wait_for: one timer, no extra future per request.
            async with asyncio.timeout(self.config.integration_timeout_s):
                outcome = await asyncio.shield(task)
        except TimeoutError:
            logger.error("integration timeout for %s (Lambda %s)", request_id, lambda_request_id)
            return responses.gateway_error(503)
        except (Throttled, SpawnError, Abandoned):  # Abandoned: nobody is left to read it
            return responses.gateway_error(500)
        if not outcome.ok:
            return responses.gateway_error(500)
        return responses.from_payload(outcome.payload)


def _forget(task: asyncio.Task[Outcome]) -> None:
    # Retrieve the outcome of an invocation nobody waits for any more (after a 503).
    if not task.cancelled():
        task.exception()
