"""`make token USER=ash`: a bearer token for the running local stack, signed by its issuer.

    python -m pokedex_local.auth.token --user ash [--scope "teams/read teams/write"]
        [--ttl 3600] [--port 3000 | --state-dir .local]
    python -m pokedex_local.auth.token --user ash --issuer URL --key-file PATH  # any gateway

The token is an access token shaped like a Cognito user pool's (``sub`` and ``username``
the user, ``client_id`` the authorizer's audience and no ``aud``, ``token_use`` access,
``iat``/``auth_time``/``exp``, ``jti``). The issuer, audience and key come from the running
stack's ``stack.json``: the issuer is the gateway's URL, so a token is for one stack on one
port. The token is the last line printed, alone on stdout: ``TOKEN=$(make -s token USER=ash)``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pokedex_local import stack_location
from pokedex_local.auth.issuer import DEFAULT_AUDIENCE, LocalIssuer
from pokedex_local.tier.processes import alive

# What --help says: a constant, since python -OO strips docstrings.
DESCRIPTION = (
    "`make token USER=ash`: a bearer token for the running local stack, signed by its issuer."
)

MAX_TTL_S = 24 * 3600  # Cognito's longest access token lifetime


class TokenError(Exception):
    pass


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pokedex_local.auth.token",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--user", required=True, help="the token's sub and username")
    parser.add_argument("--scope", default="", help="space-separated scopes (the scope claim)")
    parser.add_argument("--ttl", type=int, default=3600, help="seconds until it expires")
    parser.add_argument(
        "--port",
        type=int,
        help="the port of the running stack (make run PORT=...), which picks its state "
        "directory [env POKEDEX_PORT, default 3000]",
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        help="the running stack's state directory (stack.json) [env POKEDEX_STATE_DIR, "
        "default: the port's, .local for 3000]",
    )
    parser.add_argument("--issuer", help="issuer URL, with --key-file: no stack.json needed")
    parser.add_argument("--key-file", type=Path, help="the local issuer's private key")
    parser.add_argument(
        "--client-id", help="the client_id claim [default: the stack's first audience]"
    )
    parser.add_argument("--aud", help="add an aud claim (an ID token's shape)")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    try:
        token, issuer = mint(args)
    except TokenError as exc:
        sys.exit(f"make token: {exc}")
    print(
        f"token for {args.user!r} from {issuer}, valid {args.ttl} s; use it as\n"
        '  curl -H "Authorization: Bearer $TOKEN" ...   with TOKEN=$(make -s token USER=...)',
        file=sys.stderr,
    )
    print(token)


def mint(args: argparse.Namespace) -> tuple[str, str]:
    if not args.user.strip():
        raise TokenError("--user must not be empty")
    if not 0 < args.ttl <= MAX_TTL_S:
        raise TokenError(f"--ttl must be between 1 and {MAX_TTL_S} seconds, got {args.ttl}")
    if args.issuer or args.key_file:
        if not (args.issuer and args.key_file):
            raise TokenError("--issuer and --key-file go together")
        issuer, key_file, audience = args.issuer, args.key_file, DEFAULT_AUDIENCE
    else:
        state_dir = stack_location.state_dir(args.port, args.state_dir)
        issuer, key_file, audience = _from_stack(state_dir, args.port)
    if not key_file.exists():
        raise TokenError(f"no issuer key at {key_file}")
    local = LocalIssuer.load(key_file)
    client_id = args.client_id or audience
    token = local.mint(
        issuer, args.user, client_id=client_id, scope=args.scope, ttl_s=args.ttl, audience=args.aud
    )
    return token, issuer


def bearer_minter(stack: dict[str, Any], ttl_s: int = 3600) -> Callable[[str], str]:
    """For tools driving a running stack (the load and fault labs): user → an Authorization
    header value with a token from the stack's local issuer."""
    issuer, key_file, audience = _local_issuer(stack, "the stack")
    local = LocalIssuer.load(key_file)
    return lambda user: "Bearer " + local.mint(issuer, user, client_id=audience, ttl_s=ttl_s)


def _from_stack(state_dir: Path, port: int | None) -> tuple[str, Path, str]:
    stack_file = stack_location.stack_file(state_dir)
    start = stack_location.how_to_start(port or stack_location.default_port())
    try:
        stack: dict[str, Any] = json.loads(stack_file.read_text())
    except FileNotFoundError:
        raise TokenError(
            f"no running stack ({stack_file} not found): start one with `{start}`, then "
            "ask again (the token's issuer is the running gateway's URL)"
        ) from None
    except (OSError, ValueError) as exc:
        raise TokenError(f"cannot read {stack_file}: {exc}") from None
    gateway = stack.get("pids", {}).get("gateway")
    if isinstance(gateway, int) and not alive(gateway):
        raise TokenError(f"{stack_file} describes a stack that is no longer running: `{start}`")
    return _local_issuer(stack, str(stack_file))


def _local_issuer(stack: dict[str, Any], described_by: str) -> tuple[str, Path, str]:
    """(issuer URL, its key file, the audience) of a stack description's local issuer."""
    auth = stack.get("auth")
    if not isinstance(auth, dict):
        raise TokenError(f"{described_by} has no auth entry: restart the stack with `make run`")
    if not auth.get("key_file"):
        raise TokenError(
            f"the stack trusts {auth.get('issuer')}, not the local issuer: get a token from it"
        )
    return str(auth["issuer"]), Path(auth["key_file"]), str(auth["audiences"][0])


if __name__ == "__main__":
    main()
