"""Facts about the seeded Pokédex that the local tools rely on.

The national Pokédex's numbers run from 1 to DEX_NUMBERS, without gaps (the seed
migration, 0002, generated from data/pokedex.csv; tests/unit/test_dex.py checks it). The
load lab draws its requests from that range and the OpenAPI document bounds a team's
members by it.
"""

from __future__ import annotations

DEX_NUMBERS = 1025
