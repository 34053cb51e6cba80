"""A scheduler runtime on the test Redis server, in a namespace of its own that is deleted afterwards (written once)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis

from helpers.redis import delete_namespace, redis_url_for_tests
from publisher.infra.settings import Settings
from publisher.scheduler.runtime import Runtime

# A Telegram target that is configured but points nowhere: the scheduler tests never let it be sent.
TELEGRAM_NOWHERE = {"bot_token": "123:abc", "chat_id": "1", "api_base": "http://127.0.0.1:9"}


@contextmanager
def scheduler_runtime(tmp_path: Path, prefix: str, **settings: Any) -> Iterator[Runtime]:
    """``tmp_path/posts`` and ``tmp_path/state``, Telegram configured (``settings`` may replace it); skipped with its
    reason when no Redis server answers."""
    namespace = f"{prefix}-{uuid.uuid4().hex[:10]}"
    posts = tmp_path / "posts"
    posts.mkdir()
    runtime = Runtime(
        Settings(
            redis_url=redis_url_for_tests(),
            namespace=namespace,
            posts_dir=posts,
            state_dir=tmp_path / "state",
            **{"telegram": TELEGRAM_NOWHERE, **settings},
        )
    )
    try:
        runtime.redis.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    try:
        yield runtime
    finally:
        delete_namespace(runtime.redis, namespace)
