-- A team as JSON: (SELECT row_to_json(t) FROM (SELECT team.id, ...) AS t), compact like
-- the Pokédex documents; the text cast keeps psycopg from parsing it.
-- One of the caller's teams; another user's team is not found.
SELECT version, (SELECT row_to_json(t) FROM (SELECT team.id, team.name, team.members, team.owner, team.version) AS t)::text
FROM team
WHERE id = %(id)s AND owner = %(owner)s
