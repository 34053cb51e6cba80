"""The archive under the real Celery worker (subprocesses, real Redis, a loopback platform) on SQLite and on
PostgreSQL: a worker killed between the ledger and the archive, and a database that goes away during a run.

Outcomes are counted on the platform server; archived rows are read from the database itself.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.loopback import CountingPlatform
from helpers.posts import write_post
from PIL import Image
from pydantic import SecretStr
from test_worker import client, due_now, kill, setup, start_worker, wait_for, worker_env  # noqa: F401

from publisher.archive.database import forget_engines
from publisher.archive.outcomes import Archive
from publisher.infra.settings import Settings
from publisher.publishing.ledger import Ledger, State
from publisher.publishing.step import DIE_BEFORE_ARCHIVE_ENV
from publisher.scheduler.schedule import Schedule

pytestmark = [pytest.mark.redis, pytest.mark.slow]

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def archived(url: str, state: Path, target: str) -> list:
    forget_engines()  # a fresh connection each look: the server may have been restarted meanwhile
    settings = Settings(_env_file=None, database_url=SecretStr(url), state_dir=state)  # type: ignore[call-arg]
    return [e for e in Archive.from_settings(settings).events() if e.target_id == target and not e.dry_run]


def in_schedule(connection, namespace: str, target: str) -> bool:
    schedule = Schedule(connection, namespace, visibility_timeout=20, task_time_limit=10)
    return target in schedule.leased_ids() or target in schedule.due_ids()


def test_worker_killed_between_ledger_and_archive_row_appears_once(setup, client, archive_url):  # noqa: F811
    namespace, posts, state = setup
    target = "satu/telegram/main"
    Image.new("RGB", (320, 320), (12, 60, 110)).save(posts / "foto.png")  # no card to render: a quick send
    write_post(posts, "satu", publish_at=due_now(), image="foto.png", alt="Loket paspor")
    fuse = state / "die-before-archive"
    fuse.write_text(target)
    log = state / "worker.log"
    ledger = Ledger(client, namespace)
    with CountingPlatform() as platform:
        env = worker_env(namespace, posts, state, platform.url)
        env.update(PUBLISHER_DATABASE_URL=archive_url, **{DIE_BEFORE_ARCHIVE_ENV: str(fuse)})
        # A soft limit of 5 s (not worker_env's 1 s) on a loaded machine; redelivery still comes within a minute.
        env.update(PUBLISHER_TASK_TIME_LIMIT="10", PUBLISHER_VISIBILITY_TIMEOUT="20")
        first = start_worker(env, log)
        second = None
        try:
            wait_for(lambda: not fuse.exists(), 60, "the publishing process to kill itself before archiving", log)
            kill(first)  # the fuse is gone: the process died right after the ledger's transition; now the machine
            record = ledger.get(target)
            assert record is not None and record.state == State.PUBLISHED
            assert platform.published(target) == 1

            second = start_worker(env, log)
            wait_for(lambda: archived(archive_url, state, target), 60, "the row after the restart", log)
            # The killed task's message comes back (or the sweeper returns its lease): once it has run, the
            # target leaves the schedule. It finds the target published and writes no second row.
            wait_for(lambda: not in_schedule(client, namespace, target), 120, "the redelivered task", log)
        finally:
            kill(first)
            if second is not None:
                kill(second, signal.SIGTERM)
    rows = archived(archive_url, state, target)
    assert [(e.state, e.remote_id) for e in rows] == [("published", record.remote_id)]
    assert platform.published(target) == 1


# --- a database that goes away during a run ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ThrowawayPostgres:
    """A PostgreSQL server of the test's own (initdb in /tmp, its own port), to be stopped and started at will."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="publisher-pg-", dir="/tmp"))
        self.data = self.root / "data"
        self.port = free_port()
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run([*prefix, *args], capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stdout + done.stderr

    def init(self) -> None:
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"), "-o", options, "-w", "start"
        )

    def stop(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"no PostgreSQL binaries in {PG_BIN}")
    server = ThrowawayPostgres()
    server.init()
    server.start()
    try:
        yield server
    finally:
        forget_engines()
        server.remove()


def run_with_catch_up(namespace, posts, state, platform, url: str):
    env = worker_env(namespace, posts, state, platform.url)
    env.update(PUBLISHER_DATABASE_URL=url, PUBLISHER_ARCHIVE_CATCH_UP_SECONDS="1")
    # No redelivery is involved here: time limits roomy enough for a first card render on a loaded machine.
    env.update(PUBLISHER_TASK_TIME_LIMIT="60", PUBLISHER_VISIBILITY_TIMEOUT="300")
    return start_worker(env, state / "worker.log")


def test_postgresql_stopped_mid_run_publishing_goes_on_and_rows_appear_after_restart(
    setup,  # noqa: F811
    client,  # noqa: F811
    throwaway_postgres,
):
    namespace, posts, state = setup
    server, log = throwaway_postgres, state / "worker.log"
    before, during = "sebelum/telegram/main", "selama/telegram/main"
    ledger = Ledger(client, namespace)
    write_post(posts, "sebelum", publish_at=due_now())
    with CountingPlatform() as platform:
        worker = run_with_catch_up(namespace, posts, state, platform, server.url)
        try:
            wait_for(lambda: archived(server.url, state, before), 60, "the first row", log)
            server.stop()
            write_post(posts, "selama", publish_at=due_now())
            wait_for(lambda: platform.published(during) == 1, 60, "publishing with the database down", log)
            wait_for(lambda: getattr(ledger.get(during), "state", None) == State.PUBLISHED, 30, "the ledger", log)
            server.start()
            wait_for(lambda: archived(server.url, state, during), 60, "the row caught up after the restart", log)
        finally:
            kill(worker, signal.SIGTERM)
    assert [(e.state, e.detail) for e in archived(server.url, state, before)] == [("published", None)]
    assert [e.state for e in archived(server.url, state, during)] == ["published"]
    assert platform.published(before) == platform.published(during) == 1


def test_sqlite_unreachable_publishing_goes_on_and_rows_appear_when_it_is_back(setup, client):  # noqa: F811
    """For SQLite "down" is a path that cannot be opened (a file where its folder should be: an unmounted or
    misconfigured volume); it comes back when the path does."""
    namespace, posts, state = setup
    log, target = state / "worker.log", "selama/telegram/main"
    folder = state / "archive-volume"
    folder.write_text("not mounted")
    url = f"sqlite:///{folder / 'archive.sqlite3'}"
    ledger = Ledger(client, namespace)
    write_post(posts, "selama", publish_at=due_now())
    with CountingPlatform() as platform:
        worker = run_with_catch_up(namespace, posts, state, platform, url)
        try:
            wait_for(lambda: platform.published(target) == 1, 60, "publishing with the database unreachable", log)
            wait_for(lambda: getattr(ledger.get(target), "state", None) == State.PUBLISHED, 30, "the ledger", log)
            wait_for(lambda: "not archived yet" in log.read_text(errors="replace"), 30, "the archive's failure", log)
            folder.unlink()  # the volume is back
            wait_for(lambda: folder.is_dir() and archived(url, state, target), 60, "the row caught up", log)
        finally:
            kill(worker, signal.SIGTERM)
    assert [e.state for e in archived(url, state, target)] == ["published"]
