"""Route selection with HTTP API's precedence, over the project's one route table.

HTTP API picks the most specific route: segment by segment a static segment beats a
``{param}``, which beats a greedy ``{proxy+}``; then an exact method beats ANY; the
``$default`` route, when configured, catches the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pokedex.routes import Route

# Paths the gateway keeps for itself (the admin endpoint); no API route may use them.
RESERVED_PREFIX = "/__local"


@dataclass(frozen=True)
class Match:
    route_key: str
    path_parameters: dict[str, str]
    auth: bool = False  # behind the JWT authorizer


class Router:
    def __init__(self, routes: Sequence[Route], *, default_route: bool = False) -> None:
        for route in routes:
            if route.path == RESERVED_PREFIX or route.path.startswith(RESERVED_PREFIX + "/"):
                raise ValueError(f"route {route.route_key} uses the gateway's reserved prefix")
        # Sorted once, most specific first: the first route that matches wins.
        self._routes = sorted(routes, key=_specificity)
        self._default_route = default_route

    def match(self, method: str, path: str) -> Match | None:
        """``path`` decoded as HTTP API decodes it (gateway/paths.py): an encoded "/" has
        become a segment separator by then, as the function will see it."""
        for route in self._routes:
            if route.method not in (method, "ANY"):
                continue
            params = route.match(path)
            if params is not None:
                return Match(route.route_key, params, route.auth)
        if self._default_route:
            return Match("$default", {})
        return None


def _specificity(route: Route) -> tuple[tuple[int, ...], int]:
    ranks = []
    for segment in route.path.strip("/").split("/"):
        if segment.startswith("{") and segment.endswith("+}"):
            ranks.append(2)
        elif segment.startswith("{") and segment.endswith("}"):
            ranks.append(1)
        else:
            ranks.append(0)
    return tuple(ranks), 0 if route.method != "ANY" else 1
