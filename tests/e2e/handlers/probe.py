"""A handler that shows what the emulated Lambda environment does to it.

Module state is the point: INIT_ID changes only when the module is imported again, i.e.
in a new environment; INVOCATIONS counts the invokes this environment served.
"""

import base64
import os
import time

INIT_ID = os.urandom(16).hex()
INVOCATIONS = 0
# A slow init, to see the cold start (and the init limit) from outside.
time.sleep(float(os.environ.get("PROBE_INIT_SLEEP", "0")))
if os.environ.get("PROBE_INIT_FAIL"):
    raise RuntimeError("init failed on purpose")


def handler(event, context):
    global INVOCATIONS
    INVOCATIONS += 1
    route = event["routeKey"]
    started = time.time()
    if route == "GET /sleep/{seconds}":
        time.sleep(float(event["pathParameters"]["seconds"]))
    elif route == "GET /fail":
        raise ValueError("failed on purpose")
    elif route == "GET /crash":
        os._exit(3)
    elif route == "GET /big":
        return "x" * (7 * 1024 * 1024)
    elif route == "GET /binary":
        data = bytes(range(256))
        return {
            "statusCode": 201,
            "headers": {"content-type": "application/octet-stream", "x-count": 256},
            "body": base64.b64encode(data).decode(),
            "isBase64Encoded": True,
        }
    elif route == "GET /cookies":
        return {"statusCode": 200, "cookies": ["a=1; Path=/", "b=2"], "body": "ok"}
    elif route == "GET /wrong-length":
        return {"statusCode": 200, "headers": {"content-length": "9999"}, "body": "short"}
    print(f"probe handled {context.aws_request_id}")  # noqa: T201 - forwarded to the log
    return {
        "event": event,
        "pid": os.getpid(),
        "init_id": INIT_ID,
        "invocations": INVOCATIONS,
        "started": started,
        "finished": time.time(),
        "context": {
            "aws_request_id": context.aws_request_id,
            "function_name": context.function_name,
            "function_version": context.function_version,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "invoked_function_arn": context.invoked_function_arn,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "remaining_ms": context.get_remaining_time_in_millis(),
        },
        "env": {k: v for k, v in os.environ.items() if k.startswith(("AWS_", "PROBE_", "_H"))},
    }
