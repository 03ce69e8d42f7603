"""What `make run` refuses before it starts anything: bad values, a port in use."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from pokedex_local import preflight, run
from pokedex_local.tier.state_lock import StateBusy, lock_state_dir


def test_bad_variables_are_named_with_their_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POKEDEX_VIA", "bogus")
    monkeypatch.setenv("POKEDEX_PORT", "http")
    monkeypatch.setenv("POKEDEX_DB_MAX_CONNECTIONS", "many")
    problems = "\n".join(preflight.environment_problems())
    assert "POKEDEX_VIA='bogus': must be one of proxy, direct" in problems
    assert "POKEDEX_PORT='http'" in problems
    assert "POKEDEX_DB_MAX_CONNECTIONS='many'" in problems


def test_out_of_range_flags_are_named() -> None:
    args = run.parser().parse_args(
        ["--port", "70000", "--db-max-connections", "3", "--timeout", "0", "--concurrency", "0"]
    )
    problems = "\n".join(preflight.value_problems(args))
    assert "--port 70000: must be between 0 and 65535" in problems
    assert "--db-max-connections 3" in problems
    assert "--timeout 0" in problems
    assert "--concurrency 0: must be at least 1" in problems
    assert preflight.value_problems(run.parser().parse_args([])) == []


def test_a_port_in_use_is_named_with_the_pid_holding_it() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listening:
        port = listening.getsockname()[1]
        assert preflight.listeners(port) == [os.getpid()]
        args = run.parser().parse_args(["--port", str(port)])
        [problem] = preflight.port_problems(args)
    assert problem.startswith(f"PORT={port} is in use by pid {os.getpid()} (")
    assert preflight.port_problems(args) == []  # closed: free again


def test_a_busy_state_directory_names_its_holder(tmp_path: Path) -> None:
    held = lock_state_dir(tmp_path)
    try:
        with pytest.raises(StateBusy) as busy:
            lock_state_dir(tmp_path)
        assert busy.value.holder == os.getpid()
        message = preflight.refusal(busy.value, tmp_path, 3000)
        assert f"in use by the stack of pid {os.getpid()}, starting" in message
        assert "make run PORT=3001" in message
    finally:
        held.release()
    lock_state_dir(tmp_path).release()  # free once released
