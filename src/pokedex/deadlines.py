"""Every time limit between the client and the database, from one place.

The function, the proxy and the database each give up at some point; the numbers only
make sense together. The rule: each layer gives up before the one above it, so the
function always answers (a 503 with Retry-After) before its own 30 s timeout kills the
execution environment. Read by the handler, the local tier (PgBouncer's settings), the CDK
app (RDS Proxy's ConnectionBorrowTimeout) and checked against the migration that sets the
application role's statement_timeout (tests/unit/test_deadlines.py).

    statement 5 s ─┐
    borrow    5 s ─┴─ worst case: wait 5 s for a pooled connection, run 5 s = 10 s
    retries   at most 6 s, and only while 10 s of the invocation remain, pausing 0.1 → 1 s
    function 30 s   (API Gateway's integration limit; the function never reaches it)
"""

from __future__ import annotations

# API Gateway HTTP API's integration timeout; the function's timeout is set to the same.
FUNCTION_TIMEOUT_S = 30
# The application role's statement_timeout (migrations/0005_app_role_deadlines.sql): a
# query stuck behind a lock is cancelled instead of holding a pooled connection for ever.
STATEMENT_TIMEOUT_MS = 5_000
# How long a client may wait for a pooled server connection: PgBouncer's
# query_wait_timeout, RDS Proxy's ConnectionBorrowTimeout (default 120 s, longer than the
# function lives). Long enough to ride out a database restart (about 1-3 s).
BORROW_TIMEOUT_S = 5
# Opening a connection to the proxy (psycopg's connect_timeout, whole seconds, at least 2).
CONNECT_TIMEOUT_S = 3
# One GetSecretValue call. The endpoint answers in tens of milliseconds when it is up; a
# cold start that meets it down must still answer 503 within 6 s of the request, and on
# two busy cores its init alone takes 3-4 s here (docs/reliability.md): one second, so a
# refresh after a refused login (two calls) fits too.
SECRETS_TIMEOUT_S = 1.0
# Retries of a read on a refused or broken connection: the first pause, the longest one,
# and the part of the invocation no retry may eat into (one borrow plus one statement,
# so a retry never starts what could not finish before the function's timeout).
RETRY_FIRST_PAUSE_S = 0.1
RETRY_MAX_PAUSE_S = 1.0
RETRY_RESERVE_S = BORROW_TIMEOUT_S + STATEMENT_TIMEOUT_MS / 1000
# And at most this long retrying in all: a database that stays down gets a quick 503 with
# Retry-After rather than a client held for the whole invocation.
RETRY_BUDGET_S = 6.0
# What a transient 503 tells the client: try again after this many seconds.
RETRY_AFTER_S = 1
# Longest a client waits for an answer in the worst case the deadlines allow; the fault
# lab checks every request against it.
WORST_ANSWER_S = BORROW_TIMEOUT_S + STATEMENT_TIMEOUT_MS / 1000 + 2


def check() -> None:
    """Refuse a set of deadlines that does not nest (tests/unit/test_deadlines.py)."""
    if not BORROW_TIMEOUT_S + STATEMENT_TIMEOUT_MS / 1000 < FUNCTION_TIMEOUT_S:
        raise ValueError("a borrow plus a statement must finish before the function's timeout")
    if not RETRY_FIRST_PAUSE_S <= RETRY_MAX_PAUSE_S:
        raise ValueError("the first retry pause must not exceed the longest one")
    if not 2 * SECRETS_TIMEOUT_S < 6:
        raise ValueError("two Secrets Manager calls must fit in the 6 s a cold start may take")
