"""The context object a Python Lambda handler receives, with the runtime's attribute names."""

from __future__ import annotations

import functools
import os
import time
from typing import Any


class LambdaContext:
    """Mirrors the managed Python runtime: the same attributes, read from the same variables.

    As in the managed runtime, ``memory_limit_in_mb`` is the variable's string value.
    """

    def __init__(self, aws_request_id: str, deadline_monotonic: float) -> None:
        self.aws_request_id = aws_request_id
        (
            self.function_name,
            self.function_version,
            self.memory_limit_in_mb,
            self.log_group_name,
            self.log_stream_name,
            self.invoked_function_arn,
        ) = _static_fields()
        self.identity: Any = None
        self.client_context: Any = None
        self._deadline = deadline_monotonic

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))

    def __repr__(self) -> str:
        return f"LambdaContext(aws_request_id={self.aws_request_id!r})"


@functools.cache
def _static_fields() -> tuple[str, str, str, str, str, str]:
    """Read once per environment, on its first invoke (after the fork has set its log
    stream): the managed runtime, too, takes them from its start-up environment, not
    from whatever the handler later does to os.environ."""
    env = os.environ
    name = env.get("AWS_LAMBDA_FUNCTION_NAME", "")
    region = env.get("AWS_REGION", "")
    account = env.get("POKEDEX_LOCAL_ACCOUNT_ID", "000000000000")
    return (
        name,
        env.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", ""),
        env.get("AWS_LAMBDA_LOG_GROUP_NAME", ""),
        env.get("AWS_LAMBDA_LOG_STREAM_NAME", ""),
        f"arn:aws:lambda:{region}:{account}:function:{name}",
    )
