"""The local database tier: PostgreSQL behind PgBouncer, and a Secrets Manager endpoint.

with LocalTier(Path(".local")) as tier:
    psycopg.connect(tier.pgbouncer.conninfo(sslmode="require"))
"""

from pokedex_local.tier.endpoint import Endpoint
from pokedex_local.tier.errors import TierError
from pokedex_local.tier.tier import LocalTier

__all__ = ["Endpoint", "LocalTier", "TierError"]
