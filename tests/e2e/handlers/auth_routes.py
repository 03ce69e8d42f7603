"""Routes behind the JWT authorizer, for the probe handler (which echoes its event)."""

from pokedex.routes import Route

ROUTES = (
    Route("GET", "/private", "echo", auth=True),
    Route("GET", "/scoped", "echo", auth=True),
    # Open, as the API's 405 routes are: any other method reaches the function.
    Route("ANY", "/private", "echo"),
    Route("GET", "/public", "echo"),
)
