-- The original contract: every Pokémon as {dex_number, name, type}, ordered by dex_number.
-- PostgreSQL builds the JSON document and the function passes the text through untouched,
-- so no row objects are created in Python.
SELECT coalesce(
    json_agg(
        json_build_object('dex_number', dex_number, 'name', name, 'type', type)
        ORDER BY dex_number
    ),
    '[]'
)::text
FROM poke_data
