-- A new team for its owner. With an Idempotency-Key (key not null) the answer is recorded
-- beside it, in the same statement and so the same transaction: a retry finds it.
WITH created AS (
    INSERT INTO team (owner, name, members)
    VALUES (%(owner)s, %(name)s, %(members)s)
    RETURNING id, version, (SELECT row_to_json(t) FROM (SELECT team.id, team.name, team.members, team.owner, team.version) AS t)::text AS body
), recorded AS (
    UPDATE team_request
    SET status = 201, body = (SELECT body FROM created),
        location = '/teams/' || (SELECT id FROM created)
    WHERE owner = %(owner)s AND key = %(key)s
)
SELECT id::text, version, body FROM created
