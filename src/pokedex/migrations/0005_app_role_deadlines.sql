-- The application role's deadlines (pokedex/deadlines.py, STATEMENT_TIMEOUT_MS): a query
-- stuck behind a lock is cancelled after 5 s and answered 503 with Retry-After, instead of
-- holding one of the proxy's few server connections until the function times out.
-- Set on the role, not per session: a SET from the function would pin an RDS Proxy session.
-- tests/unit/test_deadlines.py checks this value against deadlines.py.
ALTER ROLE pokedex_app SET statement_timeout = 5000;
