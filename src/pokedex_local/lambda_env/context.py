"""The context object a Python Lambda handler receives, with the runtime's attribute names."""

from __future__ import annotations

import os
import time
from typing import Any


class LambdaContext:
    """Mirrors the managed Python runtime: the same attributes, read from the same variables.

    As in the managed runtime, ``memory_limit_in_mb`` is the variable's string value.
    """

    def __init__(self, aws_request_id: str, deadline_monotonic: float) -> None:
        env = os.environ
        self.aws_request_id = aws_request_id
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "")
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        region = env.get("AWS_REGION", "")
        account = env.get("POKEDEX_LOCAL_ACCOUNT_ID", "000000000000")
        self.invoked_function_arn = (
            f"arn:aws:lambda:{region}:{account}:function:{self.function_name}"
        )
        self.identity: Any = None
        self.client_context: Any = None
        self._deadline = deadline_monotonic

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))

    def __repr__(self) -> str:
        return f"LambdaContext(aws_request_id={self.aws_request_id!r})"
