"""The asset hash follows every input of the asset (issue 11: a stale zip was redeployed)."""

import shutil

import pytest
from aws_cdk import aws_lambda as lambda_

from infra import bundling
from infra.application import create_app
from infra.bundling import LOCK_FILE, PACKAGE_DIR, asset_hash

pytestmark = pytest.mark.infra

PY313, PY314 = lambda_.Runtime.PYTHON_3_13, lambda_.Runtime.PYTHON_3_14
ARM, X86 = lambda_.Architecture.ARM_64, lambda_.Architecture.X86_64
SKIP_BUNDLING = {"aws:cdk:bundling-stacks": []}


@pytest.fixture
def sources(tmp_path):
    """A copy of the package and of uv.lock that a test may change."""
    package = tmp_path / "pokedex"
    shutil.copytree(PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    lock = tmp_path / "uv.lock"
    lock.write_bytes(LOCK_FILE.read_bytes())
    return package, lock


def _hash(sources, runtime=PY314, architecture=ARM):
    package, lock = sources
    return asset_hash(runtime, architecture, package_dir=package, lock_file=lock)


def test_same_inputs_same_hash(sources):
    assert _hash(sources) == _hash(sources)


def test_changing_uv_lock_changes_the_hash(sources):
    before = _hash(sources)
    _, lock = sources
    lock.write_text(lock.read_text().replace('name = "psycopg"', 'name = "psycopg"\n# bumped', 1))
    assert _hash(sources) != before


def test_changing_the_runtime_or_the_architecture_changes_the_hash(sources):
    assert len({_hash(sources, PY313, ARM), _hash(sources, PY314, ARM),
                _hash(sources, PY314, X86)}) == 3  # fmt: skip


def test_changing_or_adding_a_package_file_changes_the_hash(sources):
    package, _ = sources
    before = _hash(sources)
    (package / "migrations" / "9999_new.sql").write_text("SELECT 1;\n")
    added = _hash(sources)
    (package / "migrations" / "9999_new.sql").write_text("SELECT 2;\n")
    assert len({before, added, _hash(sources)}) == 3


def test_bytecode_caches_do_not_change_the_hash(sources):
    package, _ = sources
    before = _hash(sources)
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "handler.cpython-314.pyc").write_bytes(b"\0")
    assert _hash(sources) == before


def _s3_key(stack):
    return stack.resolve(stack.api.function.node.default_child.code)["s3Key"]


def test_a_uv_lock_change_gives_the_deployed_asset_a_new_s3_key(dev, sources, monkeypatch):
    _, lock = sources
    lock.write_text(lock.read_text() + "\n# a bumped dependency\n")
    monkeypatch.setattr(bundling, "LOCK_FILE", lock)
    app, stack = create_app({**SKIP_BUNDLING, "profile": "dev"}, outdir=str(lock.parent / "out"))
    app.synth()
    assert _s3_key(stack) != _s3_key(dev.stack)
