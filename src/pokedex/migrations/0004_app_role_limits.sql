-- The application role keeps only what serving the API needs.
--
-- TEMP: PostgreSQL grants it to PUBLIC on every database. The API never creates a
-- temporary table, and one would pin its RDS Proxy session to a database connection for
-- good; with CONNECT kept for the role, the API reads and nothing else. The owner (who runs
-- the migrations) keeps every privilege on its own database.
DO $$
BEGIN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM pokedex_app', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO pokedex_app', current_database());
END
$$;

-- A ceiling on the role's sessions, so a runaway pool (a misconfigured proxy, a direct
-- client) cannot take every connection. 100 is above what the pools may open today (the
-- local PgBouncer's 97, a db.t3.micro's ~80-112 max_connections), so it never refuses a
-- connection they are allowed to make; on a larger instance class it bounds the API's share
-- and leaves the rest to the owner and to maintenance.
ALTER ROLE pokedex_app CONNECTION LIMIT 100;
