"""The real stack over HTTP: the lead's handler in the emulated environments, reaching
PostgreSQL through PgBouncer (proxy) or straight (direct); and `make run` itself."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import pytest

from pokedex_local import statement_log
from pokedex_local.dex import DEX_NUMBERS
from pokedex_local.tier import LocalTier
from pokedex_local.tier.processes import alive
from pokedex_local.tier.service_user import service_user
from tests.e2e.gateway_process import GatewayProcess, get

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def tier(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalTier]:
    """The tier, with every statement of the application role logged; once the stacks on
    it have stopped, none of them may be one that would pin a session on RDS Proxy."""
    with LocalTier(tmp_path_factory.mktemp("tier")) as running:
        statement_log.capture(running.postgres.conninfo(), running.app_user)
        yield running
        log = statement_log.read_log(statement_log.postgres_log(running.describe()))
    assert statement_log.statements(log), "no statement of the application role was logged"
    pinned = statement_log.findings(log)
    assert pinned == [], "RDS Proxy would pin on:\n" + "\n".join(map(str, pinned))


@pytest.fixture(scope="session", params=["proxy", "direct"])
def stack(
    request: pytest.FixtureRequest, tier: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[GatewayProcess]:
    env = tier.function_env(request.param)  # type: ignore[attr-defined]
    gateway = GatewayProcess(
        tmp_path_factory.mktemp(f"stack-{request.param}"),
        "--handler",
        "pokedex.handler.handler",
        *(f"--env={key}={value}" for key, value in env.items()),
    )
    yield gateway
    gateway.stop()


def test_list_returns_every_pokemon(stack: GatewayProcess) -> None:
    answer = get(stack.url + "/poke_info")
    assert answer.status == 200
    assert len(answer.json()) == DEX_NUMBERS


def test_pikachu(stack: GatewayProcess) -> None:
    answer = get(stack.url + "/poke_info/25")
    assert answer.status == 200
    assert answer.json()["name"] == "Pikachu"


def test_the_same_query_many_times_on_one_connection(stack: GatewayProcess) -> None:
    # psycopg prepares a query on its sixth run unless told not to: a prepared statement
    # pins on RDS Proxy and breaks PgBouncer 1.18. The tier's statement log sees it.
    answers = [get(stack.url + "/poke_info/25") for _ in range(8)]
    assert [a.status for a in answers] == [200] * 8


def test_paths_are_decoded_as_http_api_decodes_them(stack: GatewayProcess) -> None:
    # %32%35 is "25" once decoded: Pikachu, as on AWS
    assert get(stack.url + "/poke_info/%32%35").json()["name"] == "Pikachu"
    answer = get(stack.url + "/poke_info/%25")
    assert (answer.status, answer.json()) == (400, {"message": "Bad Request"})


def test_pages_etags_and_types_over_http(stack: GatewayProcess) -> None:
    first = get(stack.url + "/poke_info?type=FIRE&limit=2")
    assert [p["name"] for p in first.json()] == ["Charmander", "Charmeleon"]
    link = first.headers["link"]
    assert link.startswith("</poke_info?type=fire&limit=2&cursor=")
    assert link.endswith('>; rel="next"')
    after = get(stack.url + link.split(";")[0].strip("<>")).json()
    assert [p["name"] for p in after] == ["Charizard", "Vulpix"]
    etag = get(stack.url + "/types").headers["etag"]
    cached = get(stack.url + "/types", headers={"If-None-Match": etag})
    assert (cached.status, cached.body) == (304, b"")
    # the original list is what it was: every Pokémon, no Link
    everything = get(stack.url + "/poke_info")
    assert len(everything.json()) == DEX_NUMBERS
    assert "link" not in everything.headers


def test_unknown_route_never_reaches_the_function(stack: GatewayProcess) -> None:
    assert get(stack.url + "/pokemon").status == 404


EVENTS = Path(__file__).parents[1] / "events"


def lambda_client(endpoint: str) -> Any:
    return boto3.client(
        "lambda", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="local", aws_secret_access_key="local",
        config=botocore.config.Config(retries={"max_attempts": 1}),
    )  # fmt: skip


def test_make_run_serves_then_stops_everything(tmp_path: Path) -> None:
    # Given `make run` on a free port
    command = [sys.executable, "-m", "pokedex_local.run", "--port", "0"]
    command += ["--state-dir", str(tmp_path / "state"), "--env=LOG_EXTRA=from make run"]
    stack_file = tmp_path / "state" / "stack.json"
    with (tmp_path / "run.log").open("wb") as log:
        run = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while not stack_file.exists():
            assert run.poll() is None, (tmp_path / "run.log").read_text()
            assert time.monotonic() < deadline, "make run did not come up"
            time.sleep(0.2)
        stack = json.loads(stack_file.read_text())
        # When the API is called, over HTTP and through Lambda's Invoke API, and the
        # migration function is invoked the way docs/deploy.md invokes it on AWS
        pikachu = get(stack["api_url"] + "/poke_info/25")
        client = lambda_client(stack["lambda_endpoint"])
        event = (EVENTS / "get_pikachu.json").read_bytes()
        invoked = client.invoke(FunctionName="pokedex-local", Payload=event)
        migrated = client.invoke(FunctionName="pokedex-local-migrate", Payload=b"{}")
        environments = json.loads(get(stack["admin_url"]).body)
    finally:
        # and Ctrl-C is pressed
        run.send_signal(signal.SIGINT)
        run.wait(30)
    # Then it answered, described itself, and left nothing behind
    assert pikachu.json()["name"] == "Pikachu"
    assert stack["functions"] == ["pokedex-local", "pokedex-local-migrate"]
    assert stack["function"]["env"]["LOG_EXTRA"] == "from make run"  # ENV= reaches it
    response = json.loads(invoked["Payload"].read())
    assert (invoked["StatusCode"], response["statusCode"]) == (200, 200)
    assert json.loads(response["body"])["name"] == "Pikachu"
    assert "FunctionError" not in migrated
    assert json.loads(migrated["Payload"].read()) == {"applied": []}  # all applied at start
    assert stack["connection_mode"] == "proxy"
    assert {"postgres", "pgbouncer", "secrets_endpoint", "pids"} <= set(stack)
    assert {"gateway", "fork_server", "postgres", "pgbouncer"} <= set(stack["pids"])
    pids = [*stack["pids"].values(), *(e["pid"] for e in environments["environments"])]
    assert run.returncode == 0
    assert not stack_file.exists()
    time.sleep(0.5)
    assert [pid for pid in pids if alive(pid)] == []


def _uid(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1])


def test_a_stack_started_as_root_runs_nothing_as_root(local_stack: dict[str, Any]) -> None:
    if os.geteuid() != 0:
        pytest.skip("started by an ordinary user: there is no root to give up")
    assert get(local_stack["api_url"] + "/poke_info/25").status == 200  # one environment at least
    environments = json.loads(get(local_stack["admin_url"]).body)["environments"]
    pids = {**local_stack["pids"], **{f"env {e['id']}": e["pid"] for e in environments}}
    assert environments, "the stack has served requests: it has environments"
    account = service_user()
    assert {name: _uid(pid) for name, pid in pids.items()} == dict.fromkeys(pids, account.uid)
    # Its description (the superuser's password) is the account's alone.
    info = (Path(local_stack["state_dir"]) / "stack.json").stat()
    assert (info.st_uid, info.st_mode & 0o777) == (account.uid, 0o600)
