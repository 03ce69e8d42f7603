"""Every reference the docs and the code make to a file or a section of this repository
resolves: Markdown links and their #anchors in README.md and docs/*.md, the
`docs/x.md, "Section"` form used in prose and comments, and repository paths named in
either. A renamed file or heading fails here instead of leaving a dead pointer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
CODE = [
    ROOT / "Makefile",
    *(
        path
        for top in ("src", "infra", "tests", "benchmarks", "scripts")
        for path in sorted((ROOT / top).rglob("*.py"))
        if path != Path(__file__)  # its own examples are dead on purpose
    ),
]
# Where a path written without its top directory is looked for: `pokedex/migrate.py` is
# src/pokedex/migrate.py, `lambda_env/pool.py` src/pokedex_local/lambda_env/pool.py and
# `migrations/0003_app_role.sql` src/pokedex/migrations/0003_app_role.sql.
BASES = [
    ROOT,
    ROOT / "src",
    ROOT / "src/pokedex",
    ROOT / "src/pokedex_local",
    ROOT / "docs",
    ROOT / "tests",
]
# Paths named on purpose that are not in this repository, and why.
ELSEWHERE = {
    ".vscode/launch.json",  # README: the file a developer creates, shown in full
    "vokerhttp/testdata/ingress-paths.json",  # hotsock/voker's captured events
    "events/testdata/apigw-v2-request-no-authorizer.json",  # aws-lambda-go's sample event
    "package/recommended-feature-flags.json",  # inside the aws-cdk-lib npm package
}

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
SECTION = re.compile(r"((?:docs/)?[\w-]+\.md)`?,?\s+\(?(?:\"([^\"]+)\"|'([^']+)')")
PATH = re.compile(
    r"(?<![\w./:-])((?:[\w.-]+/)+[\w.-]+\.(?:py|md|sql|json|sh|toml|lua|html|csv|png))\b"
)
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def headings(doc: Path) -> list[str]:
    text = FENCE.sub("", doc.read_text(encoding="utf-8"))
    return [m.group(1) for m in re.finditer(r"^#{1,6}\s+(.+?)\s*#*$", text, re.MULTILINE)]


def anchors(doc: Path) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for heading in headings(doc):
        base = slug(heading)
        found.add(f"{base}-{seen[base]}" if base in seen else base)
        seen[base] = seen.get(base, 0) + 1
    return found


def broken_links(doc: Path) -> list[str]:
    broken = []
    for target in LINK.findall(FENCE.sub("", doc.read_text(encoding="utf-8"))):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        destination = doc.parent / path if path else doc
        anchored = anchor and destination.suffix == ".md"
        if not destination.exists() or (anchored and anchor not in anchors(destination)):
            broken.append(target)
    return broken


def _find_doc(name: str, beside: Path) -> Path | None:
    candidates = (ROOT / name, ROOT / "docs" / name, beside.parent / name)
    return next((c for c in candidates if c.is_file()), None)


def broken_sections(source: Path) -> list[str]:
    broken = []
    text = " ".join(source.read_text(encoding="utf-8").split())  # a reference may wrap
    for name, double_quoted, single_quoted in SECTION.findall(text):
        section = double_quoted or single_quoted
        doc = _find_doc(name, source)
        if doc is None:
            broken.append(name)
        elif not any(section.lower() in heading.lower() for heading in headings(doc)):
            broken.append(f'{name}, "{section}"')
    return broken


def missing_paths(source: Path) -> list[str]:
    missing = []
    for path in sorted(set(PATH.findall(source.read_text(encoding="utf-8")))):
        if path.startswith(".local") or path in ELSEWHERE:
            continue
        if not any((base / path).exists() for base in (*BASES, source.parent)):
            missing.append(path)
    return missing


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_links_and_anchors_resolve(doc: Path) -> None:
    assert broken_links(doc) == []


@pytest.mark.parametrize("source", DOCS + CODE, ids=lambda p: str(p.relative_to(ROOT)))
def test_named_sections_and_paths_exist(source: Path) -> None:
    assert broken_sections(source) == []
    assert missing_paths(source) == []


def test_a_dead_reference_is_seen(tmp_path: Path) -> None:
    doc = tmp_path / "guide.md"
    doc.write_text(
        "# Cold starts\n\n[ok](#cold-starts) [gone](#warm-starts) [file](missing.md)\n"
        'See docs/local-runtime.md, "No such section", and `src/pokedex/nowhere.py`.\n',
        encoding="utf-8",
    )
    assert broken_links(doc) == ["#warm-starts", "missing.md"]
    assert broken_sections(doc) == ['docs/local-runtime.md, "No such section"']
    assert missing_paths(doc) == ["src/pokedex/nowhere.py"]


def test_anchors_follow_githubs_rules() -> None:
    assert slug("The cold burst: 1,000 clients at once, on a fresh stack") == (
        "the-cold-burst-1000-clients-at-once-on-a-fresh-stack"
    )
    assert slug("Writes across crashes: the durability run") == (
        "writes-across-crashes-the-durability-run"
    )
