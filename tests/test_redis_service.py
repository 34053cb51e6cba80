"""CI proves the Redis service is up: the tests that need one talk to a real server, never a fake."""

from __future__ import annotations

import os
import uuid

import pytest
import redis


@pytest.mark.redis
def test_real_redis_answers():
    client = redis.Redis.from_url(os.environ.get("PUBLISHER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"))
    key = f"publisher-test:{uuid.uuid4().hex}"
    try:
        assert client.ping()
        client.set(key, "ok", ex=30)
        assert client.get(key) == b"ok"
        assert client.info("server")["redis_version"]
    finally:
        client.delete(key)
