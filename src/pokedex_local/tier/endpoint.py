"""Where a client connects, and as whom."""

from __future__ import annotations

from dataclasses import dataclass

from psycopg.conninfo import make_conninfo


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int
    dbname: str
    user: str
    password: str

    def conninfo(self, sslmode: str = "prefer") -> str:
        """A libpq keyword/value string; ``make_conninfo`` quotes every value safely."""
        return make_conninfo(
            host=self.host,
            port=self.port,
            dbname=self.dbname,
            user=self.user,
            password=self.password,
            sslmode=sslmode,
        )
