-- Claim an Idempotency-Key for one POST. A key seen in the last 24 hours is not claimed
-- (no row returned): that request's answer is replayed instead. A concurrent request with
-- the same key waits here until the first one commits or rolls back. The owner's expired
-- keys are removed on the way, so the table holds a day of keys at most.
WITH expired AS (
    DELETE FROM team_request
    WHERE owner = %(owner)s AND key <> %(key)s AND created_at < now() - interval '24 hours'
)
INSERT INTO team_request AS r (owner, key, fingerprint)
VALUES (%(owner)s, %(key)s, %(fingerprint)s)
ON CONFLICT (owner, key) DO UPDATE
    SET fingerprint = excluded.fingerprint, status = NULL, body = NULL, location = NULL,
        created_at = now()
    WHERE r.created_at < now() - interval '24 hours'
RETURNING true
