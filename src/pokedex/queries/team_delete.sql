-- Delete a team if its version is the one the caller saw (expected null: any version).
-- Returns the version found (null: no such team for this owner) and whether it is gone.
WITH current AS (
    SELECT id, version FROM team WHERE id = %(id)s AND owner = %(owner)s FOR UPDATE
), gone AS (
    DELETE FROM team
    USING current
    WHERE team.id = current.id
      AND (%(expected)s::integer IS NULL OR current.version = %(expected)s::integer)
    RETURNING team.id
)
SELECT (SELECT version FROM current), EXISTS (SELECT FROM gone)
