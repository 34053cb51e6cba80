"""CI proves the Redis service is up: the tests that need one talk to a real server, never a fake."""

from __future__ import annotations

import uuid

import pytest
from helpers.redis import redis_client


@pytest.mark.redis
def test_real_redis_answers():
    client = redis_client()
    key = f"publisher-test:{uuid.uuid4().hex}"
    try:
        assert client.ping()
        client.set(key, "ok", ex=30)
        assert client.get(key) == b"ok"
        assert client.info("server")["redis_version"]
    finally:
        client.delete(key)
