-- A page of the list, filtered: the original list's objects, in dex_number order, after the
-- cursor. One row more than the page is read to know whether another page follows.
WITH matching AS (
    SELECT dex_number, name, concat_ws('/', type1, type2) AS type
    FROM pokemon
    WHERE dex_number > %(after)s
      AND (%(type)s::text IS NULL OR type1 = %(type)s::text OR type2 = %(type)s::text)
      AND (%(generation)s::int IS NULL OR generation = %(generation)s::int)
      AND (%(q)s::text IS NULL OR starts_with(search_key, lower(unaccent(%(q)s::text))))
    ORDER BY dex_number
    LIMIT %(limit)s::int + 1
), page AS (
    SELECT * FROM matching ORDER BY dex_number LIMIT %(limit)s::int
)
SELECT
    (SELECT coalesce(json_agg(page ORDER BY dex_number), '[]')::text FROM page),
    (SELECT max(dex_number) FROM page),
    (SELECT count(*) FROM matching) > %(limit)s::int
