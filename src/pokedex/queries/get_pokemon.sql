-- One Pokémon with all its fields, as a JSON document; no row when the number is absent.
SELECT json_build_object(
    'dex_number', dex_number,
    'name', name,
    'type', concat_ws('/', type1, type2),
    'types', CASE WHEN type2 IS NULL THEN json_build_array(type1)
                  ELSE json_build_array(type1, type2) END,
    'base_stats', json_build_object(
        'hp', hp, 'attack', attack, 'defense', defense,
        'sp_attack', sp_attack, 'sp_defense', sp_defense, 'speed', speed,
        'total', hp + attack + defense + sp_attack + sp_defense + speed
    ),
    'height_m', height_m,
    'weight_kg', weight_kg,
    'generation', generation
)::text
FROM pokemon
WHERE dex_number = %(dex_number)s
