"""The request path as HTTP API hands it to routing and to the function: decoded.

Events captured from real HTTP APIs (hotsock/voker, vokerhttp/testdata/ingress-paths.json;
also fastify/aws-lambda-fastify#169 and honojs/hono#2156) show ``rawPath`` and
``requestContext.http.path`` percent-decoded, and every case there fits one model:

1. the path is percent-decoded once (``%2F`` → ``/``, ``%20`` → space, UTF-8 → text);
2. it is cut at the first ``?`` that decoding produced (``/a%3Fb`` → ``/a``);
3. what is left is percent-decoded a second time (``%252F`` → ``/``, ``%253F`` → ``?``,
   ``%2525`` → ``%``); a ``%`` that does not start a valid escape then (a literal ``%25``
   followed by anything but two hex digits) gets the request rejected with 400.

What the captures do not show, and is assumed here: where the part after a decoded ``?``
goes (dropped), what an invalid escape or invalid UTF-8 in the first pass gets (400, as in
the second), and that routes are matched on this decoded path (the captures used a
catch-all route).
"""

from __future__ import annotations

import re

_ESCAPE = re.compile(rb"%([0-9A-Fa-f]{2})")


class BadPath(ValueError):
    """HTTP API would refuse this path with 400."""


def decode(raw_path: str) -> str:
    """The path HTTP API routes on and puts in the event; BadPath if it would refuse it."""
    once = _unescape(raw_path)
    return _unescape(once.partition("?")[0])


def _unescape(text: str) -> str:
    if "%" not in text:
        return text
    data = text.encode("utf-8", "surrogateescape")
    if data.count(b"%") != len(_ESCAPE.findall(data)):
        raise BadPath(f"a '%' that is not a percent-escape in {text!r}")
    try:
        return _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadPath(f"not UTF-8 once decoded: {text!r}") from exc
