"""`publisher run --dry-run` on a fresh state dir with no PUBLISHER_REDIS_URL: the embedded Redis, no server."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import redis
from helpers.lines import Lines
from helpers.posts import write_post
from helpers.redis import delete_namespace, redis_url_for_tests

pytestmark = pytest.mark.slow


def test_run_dry_run_on_the_embedded_redis_publishes_a_due_post(tmp_path):
    posts = tmp_path / "posts"
    posts.mkdir()
    due = (datetime.now(ZoneInfo("Asia/Jakarta")) - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M")
    write_post(posts, "sekarang", publish_at=due)
    write_post(posts, "draf", publish_at=due, status="draft")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUBLISHER_")}
    env.update(
        PUBLISHER_LANGUAGE="en",  # the suite's language (tests/conftest.py)
        PUBLISHER_POSTS_DIR=str(posts),
        PUBLISHER_STATE_DIR=str(tmp_path / "state"),
        PUBLISHER_TELEGRAM__BOT_TOKEN="123:dry",
        PUBLISHER_TELEGRAM__CHAT_ID="1",
        PUBLISHER_SECRETS_DIR=str(tmp_path / "no-secrets"),
    )
    log = tmp_path / "run.log"

    def status() -> dict:
        answer = subprocess.run(
            [sys.executable, "-m", "publisher", "status", "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=20,
            cwd=tmp_path,
        )
        assert answer.returncode == 0, answer.stderr
        return {t["target"]: t for t in json.loads(answer.stdout)["targets"]}

    with log.open("wb") as out:
        run = subprocess.Popen(
            [sys.executable, "-m", "publisher", "run", "--dry-run", "--concurrency", "1"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 45
        found: dict = {}
        while time.monotonic() < deadline:
            time.sleep(1)
            if (tmp_path / "state" / "redis.sock").exists():
                found = status()
                if found.get("sekarang/telegram/main", {}).get("state") == "published":
                    break
        else:
            raise AssertionError(f"not published in time: {found}\n{log.read_text(errors='replace')[-3000:]}")
        target = found["sekarang/telegram/main"]
        assert target["dry_run"] is True and target["permalink"]
        assert not any(t.startswith("draf/") for t in found)
        run.send_signal(signal.SIGTERM)  # as Ctrl-C: a warm, clean stop
        assert run.wait(30) == 0, log.read_text(errors="replace")[-3000:]
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait(5)
        _stop_embedded_server(tmp_path / "state")


@pytest.mark.redis
def test_run_says_what_it_will_do_then_one_line_per_publication(tmp_path):
    """What a newcomer sees: the summary, then one line for the publication, and none of Celery's start-up noise
    (that goes to the worker log in the state dir, which the summary names). No platform is configured here: a dry
    run rehearses with placeholders."""
    namespace = f"test-run-watch-{os.getpid()}"
    posts = tmp_path / "posts"
    posts.mkdir()
    now = datetime.now(ZoneInfo("Asia/Jakarta"))
    write_post(posts, "sekarang", publish_at=(now - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M"))
    write_post(posts, "nanti", publish_at=(now + timedelta(days=3)).strftime("%Y-%m-%d %H:%M"), platforms=("x",))
    write_post(posts, "draf", publish_at=(now - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M"), status="draft")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUBLISHER_")}
    env.update(
        PUBLISHER_REDIS_URL=redis_url_for_tests(),
        PUBLISHER_NAMESPACE=namespace,
        PUBLISHER_POSTS_DIR=str(posts),
        PUBLISHER_STATE_DIR=str(tmp_path / "state"),
        PUBLISHER_SECRETS_DIR=str(tmp_path / "no-secrets"),
    )
    run = subprocess.Popen(
        [sys.executable, "-m", "publisher", "run", "--dry-run", "--concurrency", "1"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = Lines(run.stdout)
    try:
        published = lines.wait_for(r"terbit \(uji coba\)\s+sekarang → telegram")
        run.send_signal(signal.SIGINT)  # Ctrl-C
        assert run.wait(60) == 0
    finally:
        if run.poll() is None:
            run.kill()
            run.wait(10)
        delete_namespace(redis.Redis.from_url(redis_url_for_tests()), namespace)
        delete_namespace(redis.Redis.from_url(redis_url_for_tests()), namespace + "-dry-run")
    output = lines.rest()
    text = "\n".join(output)
    assert "pos: 3 dibaca dari" in text and "(2 siap, 1 draf)" in text, text
    assert "terjadwal: 2 publikasi" in text, text
    assert "berikutnya: sekarang → telegram, " in text and ", sekarang" in text, text
    assert f"log worker: {tmp_path / 'state' / 'worker.log'}" in text, text
    assert "https://" in published, published  # the link
    assert len([line for line in output if "sekarang → telegram" in line and "terbit" in line]) == 1, text
    for noise in ("celery@", "SecurityWarning", "[tasks]", "-------------- "):
        assert noise not in text, f"{noise!r} reached the terminal:\n{text}"
    assert "celery@" in (tmp_path / "state" / "worker.log").read_text(errors="replace")  # the banner went there


def _stop_embedded_server(state) -> None:
    """The embedded server stops with `publisher run`; make sure of it, so no test leaves a process behind."""
    pidfile = next(state.glob("*.pid"), None) if state.exists() else None
    if pidfile is None:
        return
    with contextlib.suppress(ValueError, ProcessLookupError, PermissionError):
        os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    """Running or sleeping; a zombie (dead, waiting for a reaper that may never come in a container) is not."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _wait_for(condition, seconds: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(interval)
    raise AssertionError(f"{what}: not within {seconds} s")


@pytest.mark.redis
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_a_hard_kill_of_run_takes_its_worker_down_too(tmp_path):
    namespace = f"test-lifeline-{os.getpid()}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUBLISHER_")}
    env.update(
        PUBLISHER_LANGUAGE="en",  # the suite's language (tests/conftest.py)
        PUBLISHER_REDIS_URL=redis_url_for_tests(),
        PUBLISHER_NAMESPACE=namespace,
        PUBLISHER_POSTS_DIR=str(tmp_path / "posts"),
        PUBLISHER_STATE_DIR=str(tmp_path / "state"),
        PUBLISHER_SECRETS_DIR=str(tmp_path / "no-secrets"),
    )
    (tmp_path / "posts").mkdir()
    run = subprocess.Popen(
        [sys.executable, "-m", "publisher", "run", "--dry-run", "--concurrency", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    family: list[int] = []
    try:

        def worker_with_pool() -> list[int]:
            workers = [p for p in _children(run.pid) if b"celery" in Path(f"/proc/{p}/cmdline").read_bytes()]
            return [*workers, *_children(workers[0])] if workers and _children(workers[0]) else []

        family = _wait_for(worker_with_pool, 60, "the celery worker and its pool")
        run.kill()  # SIGKILL: no handler of publisher run gets to forward anything
        run.wait(10)
        _wait_for(lambda: not any(_alive(p) for p in family), 60, f"worker processes {family} still alive")
    finally:
        if run.poll() is None:
            run.kill()
            run.wait(10)
        for pid in family:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        delete_namespace(redis.Redis.from_url(redis_url_for_tests()), namespace)
