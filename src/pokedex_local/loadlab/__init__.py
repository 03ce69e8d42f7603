"""The load lab: drive the local stack through PgBouncer and directly, and measure both."""
