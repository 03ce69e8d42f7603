-- The national Pokédex: one row per species, with the constraints the data obeys.
CREATE TABLE pokemon (
    dex_number  integer      PRIMARY KEY CHECK (dex_number > 0),
    name        text         NOT NULL UNIQUE
                             CHECK (length(name) BETWEEN 1 AND 40 AND name IS NFC NORMALIZED),
    type1       text         NOT NULL,
    type2       text,
    hp          smallint     NOT NULL CHECK (hp BETWEEN 1 AND 255),
    attack      smallint     NOT NULL CHECK (attack BETWEEN 1 AND 255),
    defense     smallint     NOT NULL CHECK (defense BETWEEN 1 AND 255),
    sp_attack   smallint     NOT NULL CHECK (sp_attack BETWEEN 1 AND 255),
    sp_defense  smallint     NOT NULL CHECK (sp_defense BETWEEN 1 AND 255),
    speed       smallint     NOT NULL CHECK (speed BETWEEN 1 AND 255),
    height_m    numeric(5,1) NOT NULL CHECK (height_m > 0),
    weight_kg   numeric(6,1) NOT NULL CHECK (weight_kg > 0),
    generation  smallint     NOT NULL CHECK (generation BETWEEN 1 AND 9),
    CONSTRAINT pokemon_known_types CHECK (
        type1 IN ('Normal', 'Fire', 'Water', 'Grass', 'Electric', 'Ice', 'Fighting', 'Poison',
                  'Ground', 'Flying', 'Psychic', 'Bug', 'Rock', 'Ghost', 'Dragon', 'Dark',
                  'Steel', 'Fairy')
        AND (type2 IS NULL OR type2 IN ('Normal', 'Fire', 'Water', 'Grass', 'Electric', 'Ice',
                  'Fighting', 'Poison', 'Ground', 'Flying', 'Psychic', 'Bug', 'Rock', 'Ghost',
                  'Dragon', 'Dark', 'Steel', 'Fairy'))
    ),
    CONSTRAINT pokemon_two_distinct_types CHECK (type2 IS DISTINCT FROM type1)
);

-- The original design's table, kept queryable with its exact columns.
CREATE VIEW poke_data AS
SELECT dex_number, name, concat_ws('/', type1, type2) AS type
FROM pokemon;
