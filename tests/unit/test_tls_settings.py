"""verify-full against the proxy: the root CA setting and the shipped Amazon roots."""

from __future__ import annotations

import hashlib
import ssl
from pathlib import Path

import pytest

from pokedex.db import connection_params
from pokedex.errors import ConfigurationError
from pokedex.secrets import DbCredentials
from pokedex.settings import Settings

BASE = {"DB_ENDPOINT": "proxy.example", "SECRET": "arn:aws:secretsmanager:eu-west-1:1:secret:x"}
BUNDLE = Path(__file__).parents[2] / "src" / "pokedex" / "amazon-root-cas.pem"
# SHA-256 of each certificate (DER) as published at https://www.amazontrust.com/repository/.
AMAZON_ROOTS = {
    "Amazon Root CA 1": "8ecde6884f3d87b1125ba31ac3fcb13d7016de7f57cc904fe1cb97c6ae98196e",
    "Amazon Root CA 2": "1ba5b2aa8c65401a82960118f80bec4f62304d83cec4713a19c39c011ea46db4",
    "Amazon Root CA 3": "18ce6cfe7bf14e60b2e347b8dfe868cb31d02ebb3ada271569f50343b46db3a4",
    "Amazon Root CA 4": "e35d28419ed02025cfa69038cd623962458da5c695fbdea3c22b0bfb25897092",
}


def _creds() -> DbCredentials:
    return DbCredentials.from_secret_string("x", '{"username": "u", "password": "p"}')


def test_no_root_cert_by_default_and_none_passed_to_libpq() -> None:
    settings = Settings.from_env(BASE)
    assert (settings.db_sslmode, settings.db_sslrootcert) == ("require", None)
    assert "sslrootcert" not in connection_params(settings, _creds())


def test_a_relative_root_cert_is_read_from_the_function_package() -> None:
    env = {**BASE, "DB_SSLMODE": "verify-full", "DB_SSLROOTCERT": "amazon-root-cas.pem"}
    settings = Settings.from_env(env)
    assert settings.db_sslrootcert == str(BUNDLE.resolve())
    params = connection_params(settings, _creds())
    assert (params["sslmode"], params["sslrootcert"]) == ("verify-full", str(BUNDLE.resolve()))


def test_an_absolute_root_cert_path_is_kept(tmp_path: Path) -> None:
    ca = tmp_path / "local-ca.pem"
    ca.write_text(BUNDLE.read_text())
    assert Settings.from_env({**BASE, "DB_SSLROOTCERT": str(ca)}).db_sslrootcert == str(ca)


def test_a_missing_root_cert_file_is_named() -> None:
    with pytest.raises(ConfigurationError, match=r"DB_SSLROOTCERT='nope\.pem'"):
        Settings.from_env({**BASE, "DB_SSLROOTCERT": "nope.pem"})


def test_the_shipped_bundle_holds_the_four_amazon_roots() -> None:
    context = ssl.create_default_context(cafile=str(BUNDLE))
    names = {
        dict(part[0] for part in cert["subject"])["commonName"] for cert in context.get_ca_certs()
    }
    assert set(AMAZON_ROOTS) <= names
    end = "-----END CERTIFICATE-----"
    ders = [
        ssl.PEM_cert_to_DER_cert("-----BEGIN CERTIFICATE-----" + block.split(end)[0] + end)
        for block in BUNDLE.read_text().split("-----BEGIN CERTIFICATE-----")[1:]
    ]
    fingerprints = {hashlib.sha256(der).hexdigest() for der in ders}
    assert set(AMAZON_ROOTS.values()) <= fingerprints
