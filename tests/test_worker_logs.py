"""A real Celery worker (with its beat) at DEBUG, publishing to the loopback fake of the platforms' APIs with
``requests``/``urllib3`` debug logging on: no credential in anything it prints, and one line per event.

The Telegram bot token travels in the URL's path (``/bot<token>/sendPhoto``) and the Graph API's access token in
the query of its GET calls (Facebook's reconcile): exactly what urllib3's DEBUG line ``"GET /...?access_token=..."``
would print unmasked.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from helpers.lines import Lines
from helpers.posts import write_post
from test_secrets import secrets_of

pytestmark = [pytest.mark.redis, pytest.mark.slow]

TESTS = Path(__file__).parent


def due_now() -> str:
    return (datetime.now(ZoneInfo("Asia/Jakarta")) - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M")


def test_worker_at_debug_prints_no_credential_and_one_line_for_an_unknown(publisher_env, fake_platform, tmp_path):
    posts = tmp_path / "worker-posts"
    posts.mkdir()
    write_post(posts, "satu", publish_at=due_now(), platforms=("telegram",))
    write_post(posts, "dua", publish_at=due_now(), platforms=("telegram",))
    write_post(posts, "terbit", publish_at=due_now(), platforms=("facebook",))
    # The first Telegram post and the Facebook post are made, then the connection is dropped: Telegram cannot be
    # asked afterwards (unknown, a person decides); Facebook is asked, with a GET carrying access_token in its
    # query, and the post is found. The other Telegram post goes through, so urllib3 logs its /bot<token>/ URL.
    fake_platform.fail("telegram", "/sendPhoto", "drop_after_accept")
    fake_platform.fail("facebook", "/photos", "drop_after_accept")
    env = {
        **publisher_env,
        "PUBLISHER_POSTS_DIR": str(posts),
        "PUBLISHER_LOG_LEVEL": "DEBUG",
        "PYTHONPATH": os.pathsep.join([str(TESTS.parent), str(TESTS), os.environ.get("PYTHONPATH", "")]),
    }
    command = [
        *(sys.executable, "-m", "celery", "-A", "worker", "worker", "-B", "--loglevel", "DEBUG"),
        *("--pool", "prefork", "--concurrency", "1", "--without-gossip", "--without-mingle", "--without-heartbeat"),
        *("-s", str(tmp_path / "beat-schedule")),
    ]
    worker = subprocess.Popen(
        command,
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines = Lines(worker.stdout)
    try:
        unknown = lines.wait_for(r"event=unknown post=\S+ platform=telegram")
        lost = re.search(r"post=(\S+)", unknown)[1]  # whichever of the two Telegram posts went first
        other = ({"satu", "dua"} - {lost}).pop()
        lines.wait_for(rf"event=published post={other} platform=telegram")
        lines.wait_for(r"event=published post=terbit platform=facebook")
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(5)
    output = lines.rest()
    text = "\n".join(output)

    # urllib3 did log its requests, with the credential-bearing URLs, masked.
    assert re.search(r'"POST /telegram/bot\*\*\*/sendPhoto', text), text[-3000:]
    assert re.search(r'"GET /facebook/\S*access_token=\*\*\*', text), text[-3000:]
    for secret in secrets_of(env):
        assert secret not in text, f"secret {secret[:6]}… leaked"

    # One unknown outcome, one line: the publish step's event line, in the house format.
    about_it = [line for line in output if f"{lost}/" in line or f"={lost} " in line]
    about_it = [line for line in about_it if re.search(r"unknown|may or may not", line, re.I)]
    assert len(about_it) == 1, "\n".join(about_it)
    house_format = rf" WARNING publisher\.publish event=unknown post={lost} platform=telegram state=unknown "
    assert re.search(house_format, about_it[0]), about_it[0]
