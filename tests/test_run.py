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
from zoneinfo import ZoneInfo

import pytest
from test_worker_fakes import write_post

pytestmark = pytest.mark.slow


def test_run_dry_run_on_the_embedded_redis_publishes_a_due_post(tmp_path):
    posts = tmp_path / "posts"
    posts.mkdir()
    due = (datetime.now(ZoneInfo("Asia/Jakarta")) - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M")
    write_post(posts, "sekarang", publish_at=due)
    write_post(posts, "draf", publish_at=due, status="draft")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUBLISHER_")}
    env.update(
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


def _stop_embedded_server(state) -> None:
    """The embedded server stops with `publisher run`; make sure of it, so no test leaves a process behind."""
    pidfile = next(state.glob("*.pid"), None) if state.exists() else None
    if pidfile is None:
        return
    with contextlib.suppress(ValueError, ProcessLookupError, PermissionError):
        os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)
