"""A local stand-in for API Gateway HTTP API (payload format 2.0) in front of the
execution environments of ``pokedex_local.lambda_env``."""
