"""Which database engine the stack deploys (``-c engine=postgres|aurora``).

postgres: one RDS for PostgreSQL instance behind RDS Proxy (the default, the original's
design). aurora: an Aurora PostgreSQL cluster (a writer and a reader) behind RDS Proxy, whose
read-only endpoint serves the Pokédex reads; RDS Proxy offers read-only endpoints for Aurora
clusters only, never for an RDS instance's read replicas.
"""

from __future__ import annotations

from typing import Literal

Engine = Literal["postgres", "aurora"]
ENGINES: tuple[Engine, ...] = ("postgres", "aurora")
DEFAULT_ENGINE: Engine = "postgres"


def engine_named(value: object) -> Engine:
    """The engine called ``value`` (None: the default); a clear error naming a bad value."""
    if value is None:
        return DEFAULT_ENGINE
    for engine in ENGINES:
        if value == engine:
            return engine
    raise ValueError(
        f"unknown engine {value!r}: choose one of {', '.join(ENGINES)} (-c engine=...)"
    )
