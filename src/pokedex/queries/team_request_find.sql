-- The first answer to a POST with this Idempotency-Key.
SELECT fingerprint, status, body, location
FROM team_request
WHERE owner = %(owner)s AND key = %(key)s
