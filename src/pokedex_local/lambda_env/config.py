"""The function's settings, and the process environment an execution environment sees."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FunctionConfig:
    """One function, as the CDK stack configures it, plus the local-only knobs.

    ``env`` holds the function's own variables (the stack's set, pointed at local
    endpoints); the variables the Lambda service itself sets are added by ``process_env``.
    """

    handler: str
    env: Mapping[str, str] = field(default_factory=dict)
    function_name: str = "pokedex-local"
    memory_mb: int = 256
    timeout_s: float = 30.0
    reserved_concurrency: int = 1000
    idle_ttl_s: float = 300.0
    init_timeout_s: float = 10.0
    # How many environments may be in their cold start at once (see pool.py): enough for
    # a burst to get its environments within seconds, few enough that the traffic being
    # served keeps most of the CPU.
    init_concurrency: int = field(default_factory=lambda: default_init_concurrency())
    python_path: tuple[str, ...] = ()
    # Modules the fork server imports before forking, shared by every environment. Off by
    # default: whatever is preloaded no longer counts in the cold start (see the docs).
    preload: tuple[str, ...] = ()
    # When set, each environment listens for a debugger (debugpy) on this port.
    debug_port: int | None = None
    # A cgroup v1 cpu group this process may create groups in: each environment then runs
    # on the CPU share memory_mb buys on Lambda (cpu_share.py). None: unthrottled.
    cpu_group: str | None = None

    def __post_init__(self) -> None:
        if "." not in self.handler:
            raise ValueError(f"handler {self.handler!r} must be module.function")
        if self.reserved_concurrency < 1:
            raise ValueError("reserved concurrency must be at least 1")
        if self.init_concurrency < 1:
            raise ValueError("init concurrency must be at least 1")
        if self.timeout_s <= 0 or self.init_timeout_s <= 0 or self.idle_ttl_s <= 0:
            raise ValueError("timeouts and the idle TTL must be positive")

    @property
    def region(self) -> str:
        return self.env.get("AWS_REGION") or self.env.get("AWS_DEFAULT_REGION") or "us-east-1"

    def describe(self) -> dict[str, Any]:
        """What the admin endpoint shows of the function before its environments' figures."""
        return {
            "function": self.function_name,
            "handler": self.handler,
            "reserved_concurrency": self.reserved_concurrency,
            "init_concurrency": self.init_concurrency,
            "preloaded": list(self.preload),
            "timeout_s": self.timeout_s,
            "idle_ttl_s": self.idle_ttl_s,
        }

    def process_env(self) -> dict[str, str]:
        """The complete environment of the fork server and so of every environment.

        Like Lambda, nothing of the caller's own environment leaks in apart from what a
        process needs to run (PATH, and PYTHONPATH for the code to import). The variables
        Lambda reserves win over the function's, as Lambda refuses to let them be set.
        """
        python_path = [*self.python_path]
        if os.environ.get("PYTHONPATH"):
            python_path.append(os.environ["PYTHONPATH"])
        env = {
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "PYTHONUNBUFFERED": "1",
            **self.env,
        }
        if python_path:
            env["PYTHONPATH"] = os.pathsep.join(python_path)
        env.update(
            {
                "_HANDLER": self.handler,
                "TZ": ":UTC",
                "AWS_REGION": self.region,
                "AWS_DEFAULT_REGION": self.region,
                "AWS_EXECUTION_ENV": "AWS_Lambda_python{}.{}".format(*sys.version_info[:2]),
                "AWS_LAMBDA_FUNCTION_NAME": self.function_name,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory_mb),
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_FUNCTION_TIMEOUT": str(int(self.timeout_s)),
                "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
                "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.function_name}",
                "LAMBDA_TASK_ROOT": self.python_path[0] if self.python_path else os.getcwd(),
            }
        )
        return env


def default_init_concurrency() -> int:
    """16 per CPU. Measured with `make bench-burst` (1,000 clients, 40 s) on 2 CPUs: 4 at
    once made 450 environments in the burst, 16 made 797, 32 made 981 (all that the burst
    asked for), each with 0 failed requests; more inits at once cost some throughput
    during the burst (76k requests served at 4, 55k at 32), fewer leave the burst served by
    too few environments to show the lesson."""
    return 16 * (os.cpu_count() or 1)
