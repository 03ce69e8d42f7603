"""TLS for PostgreSQL and PgBouncer: a local CA the tier creates, and a server certificate
it signs, made with the openssl CLI.

The function checks the proxy's certificate with sslmode=verify-full against this CA, as it
checks RDS Proxy's against the Amazon root CAs in the cloud: the same code path, only the
bundle differs. CN=localhost with localhost and 127.0.0.1 as SANs, so a client may verify
by name or by address.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pokedex_local.tier.errors import TierError
from pokedex_local.tier.service_user import ServiceUser

CA_FILE = "ca.crt"
# EC keys: generated in milliseconds, where RSA takes a noticeable part of start-up.
_EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
_SERVER_EXTENSIONS = """\
subjectAltName = DNS:localhost, IP:127.0.0.1
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
"""


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path
    ca: Path  # the CA that signed ``cert``: what a verifying client trusts


def make_certificate(directory: Path, user: ServiceUser, days: int = 30) -> Certificate:
    openssl = shutil.which("openssl")
    if openssl is None:
        raise TierError("the openssl command is needed to generate the TLS certificate")
    directory.mkdir(parents=True, exist_ok=True)
    ca, ca_key = directory / CA_FILE, directory / "ca.key"
    cert, key = directory / "server.crt", directory / "server.key"
    request, extensions = directory / "server.csr", directory / "server.ext"
    extensions.write_text(_SERVER_EXTENSIONS)
    _openssl(
        openssl,
        "req",
        "-x509",
        *_EC,
        "-days",
        str(days),
        "-subj",
        "/CN=Proxied Pokedex local CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
        "-keyout",
        str(ca_key),
        "-out",
        str(ca),
    )
    _openssl(
        openssl, "req", *_EC, "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(request)
    )
    _openssl(openssl, "x509", "-req", "-in", str(request), "-CA", str(ca),
             "-CAkey", str(ca_key), "-CAcreateserial", "-days", str(days),
             "-extfile", str(extensions), "-out", str(cert))  # fmt: skip
    # The CA's key signs nothing else: gone once the server certificate exists.
    for used in (ca_key, request, extensions, directory / "ca.srl"):
        used.unlink(missing_ok=True)
    # PostgreSQL refuses a key readable by others than its owner, the account it runs as.
    key.chmod(0o600)
    cert.chmod(0o644)
    ca.chmod(0o644)
    user.give(directory)
    return Certificate(cert, key, ca)


def _openssl(openssl: str, *args: str) -> None:
    done = subprocess.run([openssl, *args], check=False, capture_output=True, text=True)
    if done.returncode != 0:
        raise TierError(f"openssl {args[0]} failed:\n{done.stderr}")
