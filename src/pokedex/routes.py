"""The route table: the one source of truth for the API's routes.

The CDK app deploys one HTTP API route per entry, the local gateway matches requests
against it, and the handler dispatches on the ``routeKey`` either of them puts in the
event. A route is an HTTP API route key: a method (or
ANY) and a path whose ``{name}`` segments become path parameters.

Each path has a GET route that does the work and an ANY route on the same path, so that
API Gateway forwards other methods to the function, which answers 405 with an Allow
header instead of the gateway's bare 404. A GET route takes precedence over ANY on the
same path (HTTP API picks the most specific method).

A route with ``auth`` is behind the API's JWT authorizer: API Gateway (and the local
gateway) answers 401 before the function runs unless the request carries a valid bearer
token, and hands the token's claims to the function in
``requestContext.authorizer.jwt``. The ANY routes stay open, so a wrong method is a 405
with or without a token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    operation: str
    # Behind the JWT authorizer (the caller's identity is the token's ``sub`` claim).
    auth: bool = False
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", _compile(self.path))

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    def match(self, path: str) -> dict[str, str] | None:
        """Path parameters when ``path`` matches this route's path, else None."""
        found = self.pattern.fullmatch(path)
        return None if found is None else found.groupdict()


def _compile(path: str) -> re.Pattern[str]:
    # "{name}" matches one non-empty segment; "{name+}" (greedy) matches the rest.
    parts = []
    for segment in path.strip("/").split("/"):
        greedy = re.fullmatch(r"\{(\w+)\+\}", segment)
        param = re.fullmatch(r"\{(\w+)\}", segment)
        if greedy:
            parts.append(f"(?P<{greedy.group(1)}>.+)")
        elif param:
            parts.append(f"(?P<{param.group(1)}>[^/]+)")
        else:
            parts.append(re.escape(segment))
    return re.compile("/" + "/".join(parts))


# The operation of the ANY routes: the function answers 405 with the path's methods.
METHOD_NOT_ALLOWED = "method_not_allowed"

ROUTES: tuple[Route, ...] = (
    Route("GET", "/poke_info", "list_pokemon"),
    Route("GET", "/poke_info/{dex_number}", "get_pokemon"),
    Route("ANY", "/poke_info", METHOD_NOT_ALLOWED),
    Route("ANY", "/poke_info/{dex_number}", METHOD_NOT_ALLOWED),
    Route("GET", "/types", "list_types"),
    Route("ANY", "/types", METHOD_NOT_ALLOWED),
    Route("POST", "/teams", "create_team", auth=True),
    Route("GET", "/teams", "list_teams", auth=True),
    Route("GET", "/teams/{team_id}", "get_team", auth=True),
    Route("PUT", "/teams/{team_id}", "replace_team", auth=True),
    Route("DELETE", "/teams/{team_id}", "delete_team", auth=True),
    Route("ANY", "/teams", METHOD_NOT_ALLOWED),
    Route("ANY", "/teams/{team_id}", METHOD_NOT_ALLOWED),
)
