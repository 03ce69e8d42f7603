"""The one test that builds the Lambda asset for real, through `cdk synth`'s local bundling."""

import tempfile
import zipfile
from pathlib import Path

import pytest

from infra.application import create_app

pytestmark = pytest.mark.infra


@pytest.fixture(scope="module")
def asset():
    outdir = Path(tempfile.mkdtemp(prefix="cdk-bundled-"))
    app, stack = create_app({"profile": "dev"}, outdir=str(outdir))
    app.synth()
    code = stack.resolve(stack.api.function.node.default_child.code)
    return outdir / f"asset.{code['s3Key'].removesuffix('.zip')}"


def test_asset_holds_the_function_package_and_psycopg_only(asset):
    top_level = {p.name for p in asset.iterdir()}
    assert "pokedex" in top_level
    assert {"psycopg", "psycopg_binary"} <= top_level
    assert all(
        name in {"pokedex", "psycopg", "psycopg_binary", "psycopg_binary.libs"}
        or name.startswith(("psycopg", "typing_extensions"))
        for name in top_level
    ), sorted(top_level)
    for unwanted in ("boto3", "botocore", "pokedex_local", "tests", "infra", "aws_cdk"):
        assert unwanted not in top_level


def test_asset_carries_the_handlers_routes_and_migrations(asset):
    package = asset / "pokedex"
    assert (package / "routes.py").is_file()
    assert (package / "migrations").is_dir()
    # The root CAs DB_SSLROOTCERT names for verify-full: a file in the asset, no download.
    assert "Amazon Root CA 1" in (package / "amazon-root-cas.pem").read_text()
    assert not list(asset.rglob("__pycache__"))


def test_psycopg_binary_is_built_for_lambda_arm64(asset):
    extensions = [p.name for p in (asset / "psycopg_binary").glob("*.so")]
    assert extensions
    assert all("aarch64" in name for name in extensions), extensions


def test_zipped_asset_is_small(asset, tmp_path):
    archive = tmp_path / "asset.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in asset.rglob("*"):
            zf.write(path, path.relative_to(asset))
    # Lambda's limit for a direct upload is 50 MB zipped; this asset is a few MB.
    assert archive.stat().st_size < 10 * 1024 * 1024
