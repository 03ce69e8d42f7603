"""The benchmark's handler for capacity runs: the real one, then a pause.

The pause keeps every environment busy until all have started (bench_gateway --capacity).
Each environment imports pokedex.handler and opens its own TLS connection on its first
invocation, exactly as the real function does; HOLD_S only makes it stay busy longer.
"""

import os
import time

from pokedex.handler import handler as pokedex_handler

HOLD_S = float(os.environ.get("HOLD_S", "0"))


def handler(event, context):
    response = pokedex_handler(event, context)
    time.sleep(HOLD_S)
    return response
