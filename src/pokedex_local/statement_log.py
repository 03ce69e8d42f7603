"""What one role sends to PostgreSQL, read back from the server's own log, checked for
RDS Proxy pinning triggers (pokedex_local/pinning.py).

The server is the witness because it sees every statement whatever the client library
does, including what a driver sends on its own and protocol-level prepared statements.
``log_statement = 'all'`` is set on the role only (ALTER ROLE), so the owner's migrations
and the samplers' queries stay out of the log, and only sessions started afterwards log.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from pokedex_local.pinning import triggers
from pokedex_local.tier import LocalTier
from pokedex_local.tier.replica import STANDBY_LOG

# Set for `python -m pokedex_local.run` (the load lab's smoke test does): the run captures
# the application role's statements and leaves RECORD in its state directory, naming the
# log to read once it has stopped.
ENV_FLAG = "POKEDEX_LOG_APP_STATEMENTS"
RECORD = "statement-log.json"

# "<prefix>LOG:  statement: SELECT ..." (simple protocol) or "<prefix>LOG:  execute
# <unnamed>: SELECT ..." (extended protocol); continuation lines start with a tab.
_ENTRY = re.compile(r"^(?:.*? )?LOG:  (?:statement|execute (?P<name>[^:]+)): (?P<sql>.*)$")
_NEW_ENTRY = re.compile(r"^\S")
# PgBouncer's own statements, not the client's: when it hands a client a server connection
# whose startup parameters differ from the client's, it sets the parameters it tracks, in
# exactly this form (e.g. "SET application_name='pgbench';"). RDS Proxy takes startup
# parameters from the client's connection request, not from SQL, so these are an artefact
# of the local proxy. The direct stack has no PgBouncer: a client writing this same SET
# is still caught there.
_POOLER_PARAMETER_SYNC = re.compile(
    r"(SET (client_encoding|datestyle|timezone|standard_conforming_strings|application_name)"
    r"='(?:[^']|'')*';)+",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Finding:
    statement: str
    reasons: tuple[str, ...]

    def __str__(self) -> str:
        shown = self.statement if len(self.statement) < 200 else self.statement[:200] + "..."
        return f"{', '.join(self.reasons)}: {shown}"


def capture(owner_conninfo: str, role: str) -> None:
    """Log every statement of ``role``'s sessions from now on (needs a superuser)."""
    with psycopg.connect(owner_conninfo, autocommit=True) as conn:
        conn.execute(
            sql.SQL("ALTER ROLE {} SET log_statement = 'all'").format(sql.Identifier(role))
        )


def capture_tier(tier: LocalTier, record_dir: Path) -> None:
    capture(tier.postgres.conninfo(), tier.app_user)
    # Where the log will be when the stack has stopped, which is when tests read it.
    record = {"role": tier.app_user, "postgres_log": str(tier.logs_dir_after_stop / "postgres.log")}
    if tier.replica is not None:
        # The role's setting is in the catalog, so the standby logs its reads too.
        record["standby_log"] = str(tier.logs_dir_after_stop / STANDBY_LOG)
    (record_dir / RECORD).write_text(json.dumps(record) + "\n")


def statements(log_text: str) -> list[tuple[str, str | None]]:
    """(SQL, prepared statement name or None) for each statement logged in ``log_text``."""
    found: list[tuple[str, str | None]] = []
    current: list[str] | None = None
    name: str | None = None
    for line in [*log_text.splitlines(), "end"]:
        if current is not None and line.startswith("\t"):
            current.append(line[1:])
            continue
        if current is not None:
            found.append(("\n".join(current), name))
            current = None
        match = _ENTRY.match(line) if _NEW_ENTRY.match(line) else None
        if match:
            current, name = [match["sql"]], match["name"]
    return found


def findings(log_text: str) -> list[Finding]:
    """Every logged statement that would pin a session behind RDS Proxy."""
    result = []
    for statement, name in statements(log_text):
        if name is None and _POOLER_PARAMETER_SYNC.fullmatch(statement):
            continue
        reasons = triggers(statement)
        if name is not None and name != "<unnamed>":
            # A named statement at the protocol level (psycopg's "_pg3_0" after five runs)
            # is a prepared statement, exactly like PREPARE.
            reasons.insert(0, f"protocol-level prepared statement {name}")
        if reasons:
            result.append(Finding(statement, tuple(reasons)))
    return result


def read_log(path: Path, offset: int = 0) -> str:
    with path.open("rb") as log:
        log.seek(offset)
        return log.read().decode(errors="replace")


def postgres_log(tier_description: dict[str, Any]) -> Path:
    """The PostgreSQL server log of a running (or stopped) tier, from its description."""
    return Path(tier_description["logs_dir"]) / "postgres.log"
