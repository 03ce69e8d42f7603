"""The route table the e2e gateway serves: one route per behaviour the probe can show."""

from pokedex.routes import Route

ROUTES = (
    Route("GET", "/echo", "echo"),
    Route("ANY", "/echo/{id}", "echo"),
    Route("POST", "/echo", "echo"),
    Route("GET", "/state", "state"),
    Route("GET", "/sleep/{seconds}", "sleep"),
    Route("GET", "/fail", "fail"),
    Route("GET", "/crash", "crash"),
    Route("GET", "/big", "big"),
    Route("GET", "/binary", "binary"),
    Route("GET", "/cookies", "cookies"),
    Route("GET", "/wrong-length", "wrong_length"),
    Route("GET", "/files/{path+}", "echo"),
)
