"""The tier's read replica: a hot standby that follows the primary, supervised, and a
function whose reads fall back to the writer while the standby stays away."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from pokedex.handler import HandlerState
from pokedex.reads import ReadRouting
from pokedex_local.tier import LocalTier
from pokedex_local.tier.processes import alive
from pokedex_local.tier.standby import SLOT, replication_lag, wait_caught_up
from tests.integration.test_supervision import app_answers, wait_until

pytestmark = pytest.mark.integration


def replica_tier(*, supervise: bool) -> Iterator[LocalTier]:
    path = Path(tempfile.mkdtemp(prefix="pokedex-it-"))
    path.chmod(0o711)  # the service account must reach it when run as root
    with LocalTier(path, reads="replica", supervise=supervise) as running:
        yield running
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def tier() -> Iterator[LocalTier]:
    yield from replica_tier(supervise=True)


@pytest.fixture
def unsupervised_tier() -> Iterator[LocalTier]:
    yield from replica_tier(supervise=False)


def test_the_standby_replays_a_write_on_the_primary_through_its_slot(tier: LocalTier) -> None:
    assert tier.replica is not None
    with psycopg.connect(tier.postgres.conninfo(), autocommit=True) as primary:
        primary.execute("CREATE TABLE replayed (note text)")
        primary.execute("INSERT INTO replayed VALUES ('written on the primary')")
        slot = primary.execute(
            "SELECT active FROM pg_replication_slots WHERE slot_name = %s", (SLOT,)
        ).fetchone()
        lag = replication_lag(primary)
    assert slot == (True,)
    assert lag["state"] == "streaming"
    wait_caught_up(tier.postgres, tier.replica.standby)
    with psycopg.connect(tier.replica.reader.conninfo(sslmode="require")) as standby:
        assert standby.execute("SELECT note FROM replayed").fetchall() == [
            ("written on the primary",)
        ]
        # and it is a standby: read-only
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            standby.execute("INSERT INTO replayed VALUES ('refused')")


def test_a_killed_reader_pgbouncer_is_back_within_two_seconds(tier: LocalTier) -> None:
    assert tier.replica is not None
    pid = tier.pids["pgbouncer_reader"]
    os.kill(pid, signal.SIGKILL)
    reader = tier.replica.reader
    took = wait_until(
        lambda: tier.pids["pgbouncer_reader"] != pid and app_answers(tier, reader), deadline_s=2.0
    )
    assert took < 2.0


def test_reads_fall_back_to_the_writer_while_the_standby_stays_away(
    unsupervised_tier: LocalTier, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the function's HandlerState on a tier whose standby nobody restarts
    for name, value in unsupervised_tier.function_env("proxy").items():
        monkeypatch.setenv(name, value)
    app = HandlerState.from_env()
    assert isinstance(app.reads, ReadRouting)

    def in_recovery(conn: psycopg.Connection[Any]) -> bool:
        row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
        return bool(row and row[0])

    assert app.reads.run(in_recovery, idempotent=True) is True
    # When the standby is killed for good (and its backends, which exit when they find
    # their postmaster gone, have had the time to notice)
    pid = unsupervised_tier.pids["standby"]
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not alive(pid), deadline_s=5.0)
    time.sleep(0.3)
    # Then every read is answered, by the writer
    started = time.monotonic()
    answers = [app.reads.run(in_recovery, idempotent=True)]
    first = time.monotonic() - started
    answers += [app.reads.run(in_recovery, idempotent=True) for _ in range(19)]
    took = time.monotonic() - started
    print(f"first read {first:.2f} s, 20 reads {took:.2f} s")  # noqa: T201 - docs' figures
    assert answers == [False] * 20
    assert app.reads.on_writer
    # within the borrow timeout for the first (PgBouncer may queue it for the dead standby),
    # at the writer's pace for the rest: the reader is left alone during its cool-down
    assert took < 6.0
    assert app.reads.fallbacks == 1
