"""Bearer tokens on this machine: a local OpenID issuer (its key, discovery document and
JWKS), the RS256 signatures and the claim checks HTTP API's JWT authorizer makes, and
``python -m pokedex_local.auth.token`` (``make token``) to mint a token for a user."""
