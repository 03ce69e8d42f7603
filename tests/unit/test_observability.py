"""The per-request log line written straight to stdout is the line logging would write."""

from __future__ import annotations

import io
import json
import logging
import sys

import pytest

from pokedex.observability import configure_logging, log_info_line

FIELDS = {"route": "GET /poke_info/{dex_number}", "status": 200, "pokemon": "Flabébé", "n": None}


def test_the_direct_line_is_the_formatters_line(capsys: pytest.CaptureFixture[str]) -> None:
    logger = configure_logging()
    logger.info("request", extra=FIELDS)
    through_logging = capsys.readouterr().out
    log_info_line(logger, "request", FIELDS)
    direct = capsys.readouterr().out
    assert direct == through_logging
    assert json.loads(direct) == {"level": "INFO", "logger": "pokedex", "message": "request",
                                  **FIELDS}  # fmt: skip


def test_the_loggers_level_still_decides(capsys: pytest.CaptureFixture[str]) -> None:
    logger = configure_logging()
    logger.setLevel(logging.WARNING)
    try:
        log_info_line(logger, "request", FIELDS)
    finally:
        logger.setLevel(logging.INFO)
    assert capsys.readouterr().out == ""


def test_a_closed_stdout_does_not_fail_the_caller(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    closed = io.StringIO()
    closed.close()
    monkeypatch.setattr(sys, "stdout", closed)
    log_info_line(configure_logging(), "request", FIELDS)  # does not raise
    assert "Logging error" in capsys.readouterr().err
