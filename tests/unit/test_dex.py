"""The dex numbers the local tools rely on are the seeded ones."""

from __future__ import annotations

from pathlib import Path

from pokedex_local.dex import DEX_NUMBERS
from pokedex_local.loadlab import pgbench, wrk

SEED = Path(__file__).parents[2] / "src/pokedex/migrations/0002_seed_pokemon.sql"


def test_the_seed_numbers_run_from_one_to_dex_numbers() -> None:
    seed = SEED.read_text("utf-8")
    assert seed.count("\n    (") == DEX_NUMBERS
    assert "\n    (1, " in seed
    assert f"\n    ({DEX_NUMBERS}, " in seed


def test_the_reference_clients_draw_from_that_range() -> None:
    assert f"random(1, {DEX_NUMBERS})" in pgbench.script_text()
    assert f'"/poke_info/" .. ((counter * 7919) % {DEX_NUMBERS} + 1)' in wrk.script()
    assert 'wrk.format("GET", "/poke_info/25")' in wrk.script("/poke_info/25")
