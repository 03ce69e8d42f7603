"""A self-signed TLS certificate for PostgreSQL and PgBouncer, made with the openssl CLI."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pokedex_local.tier.errors import TierError
from pokedex_local.tier.service_user import ServiceUser


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path


def make_certificate(directory: Path, user: ServiceUser) -> Certificate:
    """CN=localhost with 127.0.0.1 as a SAN, so clients may verify it by name or by address."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise TierError("the openssl command is needed to generate the TLS certificate")
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / "server.crt", directory / "server.key"
    # An EC key: generated in milliseconds, where RSA takes a noticeable part of start-up.
    done = subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "30",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=False,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise TierError(f"openssl could not generate the certificate:\n{done.stderr}")
    # PostgreSQL refuses a key readable by others than its owner, the account it runs as.
    key.chmod(0o600)
    cert.chmod(0o644)
    user.give(directory)
    return Certificate(cert, key)
