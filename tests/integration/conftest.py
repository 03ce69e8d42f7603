"""Shared integration fixtures: one local tier for the whole session, and owner connections."""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from pokedex_local.tier import LocalTier


@pytest.fixture
def tier_dir() -> Iterator[Path]:
    """An empty state directory the tier's service account can reach, even when run as root.

    pytest's own tmp_path lives under a 0700 directory of the invoking user, which the
    unprivileged account that runs PostgreSQL cannot enter.
    """
    path = Path(tempfile.mkdtemp(prefix="pokedex-it-"))
    path.chmod(0o711)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def tier() -> Iterator[LocalTier]:
    """PostgreSQL behind PgBouncer, migrated, with its secrets: started once per session."""
    path = Path(tempfile.mkdtemp(prefix="pokedex-it-"))
    path.chmod(0o711)
    with LocalTier(path, migrate=True) as running:
        yield running
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def owner_conn(tier: LocalTier) -> Iterator[psycopg.Connection[Any]]:
    """An autocommit connection straight to PostgreSQL as the owner, closed after the test."""
    with psycopg.connect(tier.postgres.conninfo(), autocommit=True) as conn:
        yield conn


@pytest.fixture
def empty_db(tier: LocalTier, owner_conn: psycopg.Connection[Any]) -> Iterator[str]:
    """The conninfo of a new, empty database, dropped afterwards."""
    name = f"mig_{uuid.uuid4().hex[:10]}"
    owner_conn.execute(f"CREATE DATABASE {name}".encode())
    yield dataclasses.replace(tier.postgres, dbname=name).conninfo()
    owner_conn.execute(f"DROP DATABASE {name} WITH (FORCE)".encode())


def connect(conninfo: str) -> psycopg.Connection[Any]:
    return psycopg.connect(conninfo, autocommit=True)
