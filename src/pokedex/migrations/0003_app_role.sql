-- The role the API function logs in as: it can read the Pokédex and nothing else.
-- Roles are cluster-wide, so create it only once; its password is set by the runner from
-- the application secret, never written here.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pokedex_app') THEN
        CREATE ROLE pokedex_app LOGIN;
    END IF;
END
$$;

REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO pokedex_app;
GRANT SELECT ON pokemon, poke_data TO pokedex_app;
