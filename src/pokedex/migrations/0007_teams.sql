-- Teams: a user's line-up of one to six Pokémon, the API's first writes.
--
-- The owner is the JWT's subject (the authorizer's `sub` claim); the id is made here by
-- gen_random_uuid() (core since PostgreSQL 13), not by a sequence, so no write depends on
-- session state a proxy would have to pin. `version` counts the writes to a team: its
-- ETag, checked by PUT and DELETE with If-Match.
CREATE TABLE team (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    owner       text        NOT NULL CHECK (length(owner) BETWEEN 1 AND 256),
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    members     integer[]   NOT NULL
                            CHECK (cardinality(members) BETWEEN 1 AND 6
                                   AND array_ndims(members) = 1
                                   AND array_position(members, NULL) IS NULL),
    version     integer     NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX team_by_owner ON team (owner, created_at, id);

-- Every member is a Pokémon: an array cannot carry a foreign key, so a trigger checks it
-- and names the numbers that are not (the function answers 400 with them).
CREATE FUNCTION team_members_exist() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    unknown integer[];
BEGIN
    SELECT array_agg(DISTINCT m ORDER BY m) INTO unknown
    FROM unnest(NEW.members) AS m
    WHERE NOT EXISTS (SELECT FROM pokemon WHERE dex_number = m);
    IF unknown IS NOT NULL THEN
        RAISE EXCEPTION 'no Pokémon with dex_number %', array_to_string(unknown, ', ')
            USING ERRCODE = 'foreign_key_violation', HINT = 'team_members';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER team_members_exist BEFORE INSERT OR UPDATE OF members ON team
    FOR EACH ROW EXECUTE FUNCTION team_members_exist();

-- POST /teams with an Idempotency-Key: the first answer, kept for 24 hours and written in
-- the same transaction as the team, so a retried invocation (a client's retry, a timeout
-- that hid a commit) gets that answer back and writes nothing. The fingerprint is a hash
-- of the validated request: the same key with another request is refused (422).
CREATE TABLE team_request (
    owner        text        NOT NULL,
    key          text        NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    fingerprint  bytea       NOT NULL,
    status       smallint,
    body         text,
    location     text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (owner, key)
);

-- Exactly the rights the team routes use; Pokédex tables stay read-only.
GRANT SELECT, INSERT, UPDATE, DELETE ON team TO pokedex_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON team_request TO pokedex_app;
