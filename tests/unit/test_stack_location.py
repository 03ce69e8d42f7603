"""Which state directory a stack uses, and how the tools find a running one."""

from __future__ import annotations

from pathlib import Path

import pytest

from pokedex_local import stack_location


@pytest.fixture(autouse=True)
def no_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POKEDEX_STATE_DIR", raising=False)
    monkeypatch.delenv("POKEDEX_PORT", raising=False)


def test_the_default_port_keeps_its_state_in_dot_local_and_others_beside_it() -> None:
    assert stack_location.state_dir() == Path(".local")
    assert stack_location.state_dir(3000) == Path(".local")
    assert stack_location.state_dir(3001) == Path(".local/3001")


def test_a_named_state_directory_wins_over_the_port(monkeypatch: pytest.MonkeyPatch) -> None:
    assert stack_location.state_dir(3001, "elsewhere") == Path("elsewhere")
    monkeypatch.setenv("POKEDEX_STATE_DIR", "/srv/stack")
    assert stack_location.state_dir(3001) == Path("/srv/stack")


def test_pokedex_port_picks_the_directory_when_no_port_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POKEDEX_PORT", "3002")
    assert stack_location.state_dir() == Path(".local/3002")


def test_the_stack_option_takes_a_port_a_directory_or_a_file(tmp_path: Path) -> None:
    assert stack_location.stack_file_for("3000") == Path(".local/stack.json")
    assert stack_location.stack_file_for("3001") == Path(".local/3001/stack.json")
    assert stack_location.stack_file_for(str(tmp_path)) == tmp_path / "stack.json"
    assert stack_location.stack_file_for(str(tmp_path / "stack.json")) == tmp_path / "stack.json"
    assert stack_location.how_to_start(3001) == "make run PORT=3001"
