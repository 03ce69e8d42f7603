-- The types, each with how many Pokémon have it as either of their types, by name.
SELECT coalesce(json_agg(t ORDER BY t.type), '[]')::text
FROM (
    SELECT kind AS type, count(*) AS count
    FROM pokemon, LATERAL (VALUES (type1), (type2)) AS v(kind)
    WHERE kind IS NOT NULL
    GROUP BY kind
) AS t
