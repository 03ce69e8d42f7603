"""Every command-line tool still describes itself under ``python -OO``, which strips
docstrings: a description taken from ``__doc__`` would be empty there (or crash on
``None.split``). The tools are found, not listed, so a new one is checked too. Here
rather than in tests/unit: each tool is a fresh interpreter, a few seconds in all."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).parents[2]
SEARCHED = ("src", "scripts", "benchmarks")


def _runs_as_main(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.If) and "__main__" in ast.unparse(node.test) for node in tree.body
    )


def command_for(path: Path) -> list[str] | None:
    """How a file with an argument parser is run: itself, or through its package's
    __main__.py (the parser may live in a cli.py the package runs); None for neither."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    relative = path.relative_to(ROOT)
    if relative.parts[0] != "src":
        return [str(path)] if _runs_as_main(tree) else None
    module = ".".join(relative.with_suffix("").parts[1:])
    if _runs_as_main(tree) or path.name == "__main__.py":
        return ["-m", module.removesuffix(".__main__")]
    if (path.parent / "__main__.py").exists():
        return ["-m", module.rsplit(".", 1)[0]]
    return None


def tools() -> dict[str, list[str]]:
    found = {}
    for top in SEARCHED:
        for path in sorted((ROOT / top).rglob("*.py")):
            if "ArgumentParser(" in path.read_text(encoding="utf-8"):
                command = command_for(path)
                assert command is not None, f"{path}: a parser nothing runs"
                found[str(path.relative_to(ROOT))] = command
    return found


def description_in(help_text: str) -> str:
    """The paragraph argparse prints between the usage and the options."""
    paragraphs = [p for p in help_text.split("\n\n") if p.strip()]
    usage_ends = next(i for i, p in enumerate(paragraphs) if p.startswith("usage:"))
    following = paragraphs[usage_ends + 1] if usage_ends + 1 < len(paragraphs) else ""
    return "" if following.startswith(("options:", "optional arguments:")) else following


def help_under_oo(command: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    return subprocess.run(
        [sys.executable, "-OO", *command, "--help"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_search_finds_the_known_tools() -> None:
    found = tools()
    assert found["src/pokedex_local/run.py"] == ["-m", "pokedex_local.run"]
    assert found["src/pokedex_local/loadlab/cli.py"] == ["-m", "pokedex_local.loadlab"]
    assert found["benchmarks/bench_handler.py"] == [str(ROOT / "benchmarks/bench_handler.py")]
    assert len(found) >= 10


def test_no_tool_takes_its_description_from_a_docstring() -> None:
    for name in tools():
        assert "__doc__" not in (ROOT / name).read_text(encoding="utf-8"), name


def test_every_tool_describes_itself_under_python_oo() -> None:
    found = tools()
    # In parallel: each is a fresh interpreter importing its tool's dependencies.
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = dict(zip(found, pool.map(help_under_oo, found.values()), strict=True))
    silent = {
        name: answer.stderr[-500:] or answer.stdout[:500]
        for name, answer in answers.items()
        if answer.returncode != 0 or not description_in(answer.stdout)
    }
    assert silent == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("usage: x [-h]\n\nDoes a thing.\n\noptions:\n  -h, --help  help\n", "Does a thing."),
        ("usage: x [-h]\n\noptions:\n  -h, --help  help\n", ""),
    ],
)
def test_a_missing_description_is_seen(text: str, expected: str) -> None:
    assert description_in(text) == expected
