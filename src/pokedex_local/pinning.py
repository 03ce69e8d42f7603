"""Which SQL statements make RDS Proxy pin a client session to one database connection.

PgBouncer never pins: in transaction mode it hands the session state (a SET, a prepared
statement, a session advisory lock) to whichever client gets that server connection next.
So a pinning regression is invisible locally and costs the proxy's multiplexing in the
cloud. The list is the RDS Proxy user guide's, "Avoiding pinning an RDS Proxy", conditions
for RDS for PostgreSQL: SET commands and set_config, PREPARE/EXECUTE/DEALLOCATE/DISCARD,
temporary tables, sequences or views, cursors, LISTEN, LOAD, nextval/setval, advisory
locks (the transaction-level ``_xact_`` functions excepted), statements over 16 KB.

The guide makes no exception for ``SET LOCAL`` or ``set_config(..., true)``, so neither
does this: the application needs neither, and a false alarm costs one look.
"""

from __future__ import annotations

import re

# The user guide: "a text size greater than 16 KB" pins.
MAX_STATEMENT_BYTES = 16 * 1024

_LEADING = (
    (re.compile(r"^(set|reset)\b"), "SET/RESET of a parameter"),
    (re.compile(r"^(prepare|execute|deallocate)\b"), "prepared statement (PREPARE/EXECUTE)"),
    (re.compile(r"^discard\b"), "DISCARD"),
    (re.compile(r"^declare\b.*\bcursor\b"), "DECLARE CURSOR"),
    (re.compile(r"^listen\b"), "LISTEN"),
    (re.compile(r"^load\b"), "LOAD"),
    (
        re.compile(r"^create\s+(or\s+replace\s+)?((global|local)\s+)?(temp|temporary)\b"),
        "temporary table, sequence or view",
    ),
)
_ANYWHERE = (
    (re.compile(r"\binto\s+(temp|temporary)\b"), "temporary table (SELECT INTO TEMP)"),
    (re.compile(r"\bset_config\s*\("), "set_config()"),
    (re.compile(r"\b(nextval|setval)\s*\("), "nextval()/setval()"),
    # pg_advisory_lock, _lock_shared, pg_try_advisory_lock...: session-level. The
    # transaction-level pg_advisory_xact_lock has "xact_" in between and does not match.
    (re.compile(r"\bpg_(try_)?advisory_lock(_shared)?\s*\("), "session advisory lock"),
)
# Comments, then quoted text (string literals, quoted identifiers, dollar quotes): a
# "SET" inside a string is data, not a command.
_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
_QUOTED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\$(\w*)\$.*?\$\1\$", re.DOTALL)


def triggers(sql: str) -> list[str]:
    """The pinning conditions ``sql`` meets (one simple-protocol string may hold several
    statements), in the order found; an empty list when it is safe behind RDS Proxy."""
    found = []
    if len(sql.encode()) > MAX_STATEMENT_BYTES:
        found.append(f"statement over {MAX_STATEMENT_BYTES} bytes")
    text = _QUOTED.sub("''", _COMMENTS.sub(" ", sql)).lower()
    for statement in text.split(";"):
        statement = " ".join(statement.split())
        found += [reason for pattern, reason in _LEADING if pattern.search(statement)]
        found += [reason for pattern, reason in _ANYWHERE if pattern.search(statement)]
    return found
