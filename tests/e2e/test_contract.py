"""The API against its OpenAPI document: schemathesis (coverage, fuzzing and stateful
phases, every check) on `make run`, bounded; and the document served is the committed one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pokedex_local import openapi
from pokedex_local.auth.token import bearer_minter
from tests.e2e.gateway_process import get

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).parents[2]


CONFIG = Path(__file__).with_name("schemathesis.toml")


def test_the_gateway_serves_the_committed_document(local_stack: dict[str, Any]) -> None:
    served = get(local_stack["openapi_url"]).json()
    assert served == json.loads((ROOT / "docs" / "openapi.json").read_text())
    assert served == openapi.document()


def test_schemathesis_finds_nothing(local_stack: dict[str, Any]) -> None:
    # With a token, so that the team routes are fuzzed past the authorizer (schemathesis
    # also sends requests without it, and checks that they are refused).
    token = bearer_minter(local_stack)("schemathesis")
    # One worker: with two, CPython 3.11's ast.parse (which hypothesis calls to describe its
    # filters) raised "AST constructor recursion depth mismatch" from concurrent threads.
    done = subprocess.run(
        [
            sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG),
            "run", str(ROOT / "docs" / "openapi.json"),
            "--url", local_stack["api_url"], "--checks", "all", "--max-examples", "40",
            "--workers", "1", "--no-color", "-H", f"Authorization: {token}",
        ],
        capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "No issues found" in done.stdout, done.stdout[-3000:]
