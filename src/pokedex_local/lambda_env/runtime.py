"""What runs inside one execution environment: the runtime loop around the user's handler.

The handler module is imported in the environment's init phase, not in the fork server:
that import is the cold start the REPORT line's Init Duration measures, and keeping it out
of the fork server keeps every environment's module state (globals, connections) its own.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import resource
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from pokedex_local.lambda_env import protocol
from pokedex_local.lambda_env.context import LambdaContext

Handler = Callable[[Any, LambdaContext], Any]

# A warm environment yields to the control plane (the fork server, the gateway) and to the
# cold starts: when a thousand environments want the same two cores, routing must go on at
# more than 1/1000th of a core, and the few environments in their cold start (paced by the
# pool) must finish it fast. Warm environments stay equal among themselves.
WARM_NICENESS = 5


def serve(stream: protocol.Stream) -> None:
    """Run the init phase when asked, then answer invokes on ``stream`` one at a time
    until the gateway closes it."""
    handler: Handler | None = None
    warm = False
    while True:
        frame = protocol.read_frame(stream)
        if frame is None:
            return
        header, payload = frame
        if header["t"] == "init" and handler is None:
            if header.get("debug_port"):
                _listen_for_debugger(int(header["debug_port"]))
            handler = _init(stream)
            if handler is None:
                return  # an init error resets the environment: the gateway discards us
        elif header["t"] == "invoke" and handler is not None:
            deadline = time.monotonic() + int(header["timeout_ms"]) / 1000
            _invoke(stream, handler, str(header["id"]), payload, deadline)
            if not warm:
                os.nice(WARM_NICENESS)
                warm = True


def _listen_for_debugger(port: int) -> None:
    """debugpy on 127.0.0.1:port, before the handler's import, so that a debugger attached
    early stops in module code too. Not waited for: the invocation goes on regardless."""
    import debugpy  # the local runtime's dependency, never the function's

    debugpy.listen(("127.0.0.1", port))
    print(f"debugpy listening on 127.0.0.1:{port} (pid {os.getpid()})", file=sys.stderr)


def _init(stream: protocol.Stream) -> Handler | None:
    started = time.perf_counter()
    try:
        handler = _load(os.environ["_HANDLER"])
    except BaseException as exc:  # the user's module may raise anything, even SystemExit
        error = _describe(exc, "Runtime.ImportModuleError")
        _log_error(error)
        protocol.write_frame(stream, {"t": "error", "phase": "init"}, error)
        return None
    init_ms = (time.perf_counter() - started) * 1000
    _flush_logs()
    protocol.write_frame(stream, {"t": "init", "ms": init_ms})
    return handler


def _load(spec: str) -> Handler:
    module_name, _, function_name = spec.rpartition(".")
    if not module_name:
        raise ValueError(f"bad handler {spec!r}: expected module.function")
    module = importlib.import_module(module_name.replace("/", "."))
    handler = getattr(module, function_name)
    if not callable(handler):
        raise TypeError(f"handler {spec!r} is not callable")
    return handler  # type: ignore[no-any-return]


def _invoke(
    stream: protocol.Stream, handler: Handler, request_id: str, payload: bytes, deadline: float
) -> None:
    started = time.perf_counter()
    header: dict[str, Any]
    try:
        result = handler(json.loads(payload), LambdaContext(request_id, deadline))
        body = json.dumps(result).encode()
        header = {"t": "result", "ok": True}
    except BaseException as exc:
        # A TypeError from json.dumps is the runtime's marshal error, as on Lambda.
        # Lambda's trace starts at the handler: drop the runtime's own frame.
        body = _describe(exc, None, skip=1)
        _log_error(body)
        header = {"t": "result", "ok": False}
    header["ms"] = (time.perf_counter() - started) * 1000
    header["mem_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    _flush_logs()
    protocol.write_frame(stream, header, body)


def _describe(exc: BaseException, error_type: str | None, skip: int = 0) -> bytes:
    return json.dumps(
        {
            "errorMessage": str(exc),
            "errorType": error_type or type(exc).__name__,
            "stackTrace": traceback.format_tb(exc.__traceback__)[skip:],
        }
    ).encode()


def _log_error(error: bytes) -> None:
    described = json.loads(error)
    print(f"[ERROR] {described['errorType']}: {described['errorMessage']}", file=sys.stderr)
    print("Traceback (most recent call last):", file=sys.stderr)
    for frame in described["stackTrace"]:
        print(frame.rstrip(), file=sys.stderr)


def _flush_logs() -> None:
    # The handler's output must reach the log before the END line the gateway writes.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
