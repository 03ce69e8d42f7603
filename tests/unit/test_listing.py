"""The list's query parameters: checked before the database, each bad one named."""

from __future__ import annotations

import pytest

from pokedex.errors import BadRequest
from pokedex.listing import ListQuery, decode_cursor, encode_cursor, parse


def test_no_parameter_is_the_original_list() -> None:
    assert parse(None).is_original
    assert parse({}).is_original


def test_values_are_normalised() -> None:
    query = parse({"type": " FIRE ", "generation": "1", "q": "flabe", "limit": "20"})
    assert query == ListQuery(type="Fire", generation=1, q="flabe", limit=20)
    assert not query.is_original


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"colour": "red"}, "'colour'"),
        ({"type": "fire,water"}, "type"),
        ({"type": "wood"}, "type"),
        ({"generation": "0"}, "generation"),
        ({"generation": "10"}, "generation"),
        ({"generation": "one"}, "generation"),
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"q": ""}, "q"),
        ({"q": "x" * 41}, "q"),
        ({"q": "a\x00b"}, "q"),
        ({"q": "   "}, "q"),
        ({"cursor": "not-ours"}, "cursor"),
        ({"cursor": encode_cursor(5)[:-2] + "!!"}, "cursor"),
    ],
)
def test_a_bad_parameter_is_400_naming_it(params: dict[str, str], named: str) -> None:
    with pytest.raises(BadRequest, match=named):
        parse(params)


def test_cursors_round_trip_and_are_opaque() -> None:
    cursor = encode_cursor(669)
    assert "669" not in cursor
    assert decode_cursor(cursor) == 669
    assert parse({"cursor": cursor}).after == 669


def test_the_next_link_keeps_the_filters() -> None:
    link = parse({"type": "Fire", "limit": "3"}).next_link("/poke_info", 6)
    assert link == f"/poke_info?type=fire&limit=3&cursor={encode_cursor(6)}"
