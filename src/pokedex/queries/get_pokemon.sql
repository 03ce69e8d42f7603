-- One Pokémon with all its fields, as a JSON document; no row when the number is absent.
-- row_to_json writes compact JSON in column order (json_build_object would pad every
-- colon with spaces), and the text cast keeps psycopg from parsing it.
SELECT row_to_json(p)::text
FROM (
    SELECT
        dex_number,
        name,
        concat_ws('/', type1, type2) AS type,
        array_remove(ARRAY[type1, type2], NULL) AS types,
        (SELECT row_to_json(s) FROM (
            SELECT hp, attack, defense, sp_attack, sp_defense, speed,
                   hp + attack + defense + sp_attack + sp_defense + speed AS total
        ) AS s) AS base_stats,
        height_m,
        weight_kg,
        generation
    FROM pokemon
    WHERE dex_number = %(dex_number)s
) AS p
