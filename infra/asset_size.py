"""Reports the size of the Lambda asset: `uv run --frozen python -m infra.asset_size`.

Builds the asset exactly as `cdk synth` does (infra.bundling) and zips it the way the CDK
publishes it (deflate), because the zipped size is what Lambda's 50 MB direct-upload
limit and cold-start download are about.
"""

from __future__ import annotations

import os
import sys
import tempfile
import zipfile
from pathlib import Path

# Importing the CDK starts Node through jsii, which prints an end-of-life banner on Node 20.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from infra.bundling import build_asset
from infra.functions import ARCHITECTURE, RUNTIME

MB = 1024 * 1024


def zipped_size(directory: Path, archive: Path) -> int:
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(directory.rglob("*")):
            zf.write(path, path.relative_to(directory))
    return archive.stat().st_size


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        asset = Path(scratch) / "asset"
        asset.mkdir()
        build_asset(asset, RUNTIME.name.removeprefix("python"), ARCHITECTURE)
        files = [p for p in asset.rglob("*") if p.is_file()]
        unzipped = sum(p.stat().st_size for p in files)
        zipped = zipped_size(asset, Path(scratch) / "asset.zip")
    sys.stdout.write(
        f"Lambda asset ({RUNTIME.name}, {ARCHITECTURE.name}): {len(files)} files, "
        f"{unzipped / MB:.1f} MB unzipped, {zipped / MB:.1f} MB zipped\n"
    )


if __name__ == "__main__":
    main()
