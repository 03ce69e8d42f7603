"""The package's logger: one JSON object per line on stdout, which CloudWatch indexes."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

# Attributes every LogRecord has; anything else passed through `extra=` is a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
# One encoder for every line: json.dumps with options builds a new one on each call.
_encode = json.JSONEncoder(default=str, ensure_ascii=False).encode


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = {k: v for k, v in vars(record).items() if k not in _STANDARD}
        if record.exc_info:
            fields["exception"] = self.formatException(record.exc_info)
        return _json_line(record.levelname, record.name, record.getMessage(), fields)


def _json_line(level: str, logger_name: str, message: str, fields: dict[str, Any]) -> str:
    """The one shape of every line: level, logger, message, then the fields."""
    return _encode({"level": level, "logger": logger_name, "message": message, **fields})


class StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stdout is at the time, so redirection (tests) is followed."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stdout
        super().emit(record)


def configure_logging(level: int = logging.INFO) -> logging.Logger:
    """The "pokedex" logger, writing JSON lines; idempotent."""
    logger = logging.getLogger("pokedex")
    if not any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        handler = StdoutHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    logger.setLevel(level)
    # The Lambda runtime puts its own handler on the root logger: don't log twice.
    logger.propagate = False
    return logger


def log_info_line(logger: logging.Logger, message: str, fields: dict[str, Any]) -> None:
    """One INFO line of ``fields``, the JSON the formatter writes, straight to stdout.

    For the line every invocation writes. Through logging's records, handlers and
    formatter it cost 58 us more CPU per invocation with a hundred environments on two
    cores (274 against 215 us), 20 us more with ten (benchmarks/environment_cpu.py): that
    much code, run on caches the other environments have just filled, costs several times
    its price in a warm loop. The logger's level still decides whether the line is written.
    """
    if not logger.isEnabledFor(logging.INFO):
        return
    try:
        sys.stdout.write(_json_line("INFO", logger.name, message, fields) + "\n")
        sys.stdout.flush()
    except (OSError, ValueError):
        # A closed or broken stdout must not fail the request: logging's handler reports
        # the error on stderr and goes on, as it did when this line went through it.
        logger.info(message, extra=fields)
