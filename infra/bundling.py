"""Docker-free bundling of the Lambda asset: the function package plus its runtime wheels.

CDK's Python bundling needs Docker. Lambda only needs the right wheels, and uv can resolve
wheels for another platform (``--python-platform``), exactly like ``pip install --platform
... --only-binary=:all:``. The pins come from uv.lock (``uv export``), so the asset carries
the same psycopg the tests ran against.

The asset's hash (its S3 key, and what makes the migration trigger run again) is computed
here from everything that decides the asset's content: the function package, uv.lock, the
runtime, the architecture and this module. CDK's default hash covers only the source
directory and the bundling options, so a dependency bump or a new runtime kept the old key
and the stale zip was deployed again.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = REPO_ROOT / "src" / "pokedex"
LOCK_FILE = REPO_ROOT / "uv.lock"

# Lambda's Python 3.12+ runtimes run on Amazon Linux 2023 (glibc 2.34), so manylinux_2_28
# wheels load there; psycopg-binary 3.3 publishes its aarch64 wheels only for 2_28.
_WHEEL_PLATFORMS = {
    lambda_.Architecture.ARM_64.name: "aarch64-manylinux_2_28",
    lambda_.Architecture.X86_64.name: "x86_64-manylinux_2_28",
}
_JUNK = ("__pycache__", "*.pyc")


class BundlingError(RuntimeError):
    """Building the Lambda asset failed."""


def _run(command: list[str], cwd: Path | None = None) -> str:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BundlingError(f"{' '.join(command)} failed:\n{done.stderr.strip()}")
    return done.stdout


def _uv() -> str:
    uv = shutil.which("uv")
    if uv is None:
        raise BundlingError("uv is not on PATH: run `make setup` (the asset is built with uv)")
    return uv


def runtime_requirements() -> str:
    """The locked runtime dependencies of the function ([project].dependencies only)."""
    return _run(
        [
            _uv(), "export", "--frozen", "--no-default-groups", "--no-emit-project",
            "--no-hashes", "--no-header", "--no-annotate", "--format", "requirements-txt",
        ],
        cwd=REPO_ROOT,
    )  # fmt: skip


def build_asset(output_dir: Path, python_version: str, architecture: lambda_.Architecture) -> None:
    """Install the runtime wheels for the target platform, then copy the function package."""
    with tempfile.TemporaryDirectory() as scratch:
        requirements = Path(scratch) / "requirements.txt"
        requirements.write_text(runtime_requirements())
        _run(
            [
                _uv(), "pip", "install", "--quiet", "--no-deps", "--only-binary", ":all:",
                "--python-platform", _WHEEL_PLATFORMS[architecture.name],
                "--python-version", python_version,
                "--target", str(output_dir), "-r", str(requirements),
            ],
            cwd=REPO_ROOT,
        )  # fmt: skip
    # uv's lock file for the target directory: not part of the package.
    (output_dir / ".lock").unlink(missing_ok=True)
    shutil.copytree(
        PACKAGE_DIR,
        output_dir / PACKAGE_DIR.name,
        ignore=shutil.ignore_patterns(*_JUNK),
        dirs_exist_ok=True,
    )


@jsii.implements(ILocalBundling)
class UvLocalBundling:
    """CDK's local-bundling hook; CDK never falls back to Docker because this never declines."""

    def __init__(self, python_version: str, architecture: lambda_.Architecture) -> None:
        self._python_version = python_version
        self._architecture = architecture

    # jsii passes the bundling options positionally; they are not needed here.
    def try_bundle(self, output_dir: str, *_options: object, **_kw: object) -> bool:
        build_asset(Path(output_dir), self._python_version, self._architecture)
        return True


def asset_hash(
    runtime: lambda_.Runtime,
    architecture: lambda_.Architecture,
    *,
    package_dir: Path | None = None,
    lock_file: Path | None = None,
) -> str:
    """A hash of every input of the asset: package files, uv.lock, runtime, architecture.

    The whole uv.lock counts, not only the function's pins: a bump of a development tool
    then redeploys an identical zip (and reruns the idempotent migrations), which is cheap;
    missing a runtime dependency's bump is not.
    """
    package_dir = package_dir or PACKAGE_DIR
    lock_file = lock_file or LOCK_FILE
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        # Length-prefixed, so no two different inputs can produce the same byte stream.
        for part in (label.encode(), data):
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)

    add("runtime", runtime.name.encode())
    add("architecture", architecture.name.encode())
    add("wheel-platform", _WHEEL_PLATFORMS[architecture.name].encode())
    add("bundler", Path(__file__).read_bytes())
    add("uv.lock", lock_file.read_bytes())
    for path in sorted(_package_files(package_dir)):
        add(f"package/{path.relative_to(package_dir).as_posix()}", path.read_bytes())
    return digest.hexdigest()


def _package_files(package_dir: Path) -> list[Path]:
    return [
        path
        for path in package_dir.rglob("*")
        if path.is_file()
        and "__pycache__" not in path.relative_to(package_dir).parts
        and path.suffix != ".pyc"
    ]


def function_code(runtime: lambda_.Runtime, architecture: lambda_.Architecture) -> lambda_.Code:
    """The asset shared by every function of the stack (one asset, one upload)."""
    python_version = runtime.name.removeprefix("python")
    return lambda_.Code.from_asset(
        str(PACKAGE_DIR),
        exclude=list(_JUNK),
        asset_hash_type=AssetHashType.CUSTOM,
        asset_hash=asset_hash(runtime, architecture),
        bundling=BundlingOptions(
            # Required by the API but never pulled: the local bundler always succeeds.
            image=DockerImage.from_registry("unused"),
            local=UvLocalBundling(python_version, architecture),
        ),
    )
