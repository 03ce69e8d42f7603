"""The connection pool's shape, one set of numbers for RDS Proxy and for PgBouncer.

The CDK app sets them on the proxy's target group; the local tier translates them into
PgBouncer settings (tier/pgbouncer.py). Both are RDS Proxy's defaults, written down so
that the two cannot drift apart. The function itself never reads them.
"""

from __future__ import annotations

# The share of the database's max_connections the proxy may open (RDS default 100).
MAX_CONNECTIONS_PERCENT = 100
# The share of that pool the proxy keeps open while idle; it closes idle connections above
# it (RDS default 50). PgBouncer: min_pool_size, with server_idle_timeout below.
MAX_IDLE_CONNECTIONS_PERCENT = 50
# How long an idle connection above that share lives locally. RDS Proxy publishes no
# figure for when it closes them: assumed, short enough that the load lab's steps show it.
IDLE_TRIM_AFTER_S = 30
