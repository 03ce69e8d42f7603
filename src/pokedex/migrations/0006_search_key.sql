-- Name search that ignores case and accents ("flabe" finds Flabébé): a key kept beside the
-- name (unaccent, a trusted extension, is on RDS as here), and an index for prefixes.
-- unaccent is not immutable, so the key is a column a trigger maintains rather than an
-- expression index or a generated column.
CREATE EXTENSION IF NOT EXISTS unaccent;

CREATE FUNCTION pokemon_search_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_key := lower(unaccent(NEW.name));
    RETURN NEW;
END
$$;

ALTER TABLE pokemon ADD COLUMN search_key text;
UPDATE pokemon SET search_key = lower(unaccent(name));
ALTER TABLE pokemon ALTER COLUMN search_key SET NOT NULL;
CREATE TRIGGER pokemon_search_key BEFORE INSERT OR UPDATE OF name ON pokemon
    FOR EACH ROW EXECUTE FUNCTION pokemon_search_key();
CREATE INDEX pokemon_search_key ON pokemon (search_key text_pattern_ops);
