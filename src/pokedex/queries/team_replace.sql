-- Replace a team's name and members if its version is the one the caller saw (expected
-- null: any version). Returns the version found (null: no such team for this owner) and,
-- when it was written, the new version and body.
WITH current AS (
    SELECT id, version FROM team WHERE id = %(id)s AND owner = %(owner)s FOR UPDATE
), changed AS (
    UPDATE team
    SET name = %(name)s, members = %(members)s, version = team.version + 1,
        updated_at = now()
    FROM current
    WHERE team.id = current.id
      AND (%(expected)s::integer IS NULL OR current.version = %(expected)s::integer)
    RETURNING team.version, (SELECT row_to_json(t) FROM (SELECT team.id, team.name, team.members, team.owner, team.version) AS t)::text AS body
)
SELECT (SELECT version FROM current), (SELECT version FROM changed), (SELECT body FROM changed)
