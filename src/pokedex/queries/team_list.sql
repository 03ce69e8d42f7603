-- The caller's teams, oldest first, each as GET /teams/{id} returns it.
SELECT coalesce(json_agg(d.doc ORDER BY team.created_at, team.id), '[]')::text
FROM team, LATERAL (
    SELECT row_to_json(t) AS doc
    FROM (SELECT team.id, team.name, team.members, team.owner, team.version) AS t
) AS d
WHERE team.owner = %(owner)s
