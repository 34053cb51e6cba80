"""The Redis server the tests use, a fresh namespace on it, and the cleanup of one namespace (written once).

Tests share one server (``PUBLISHER_TEST_REDIS_URL``, default the local one), each under a namespace of its own;
never FLUSHDB: other test runs may be using the same server at the same time.
"""

from __future__ import annotations

import os
import uuid

import redis

REDIS_URL_ENV = "PUBLISHER_TEST_REDIS_URL"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_url_for_tests() -> str:
    return os.environ.get(REDIS_URL_ENV, DEFAULT_REDIS_URL)


def redis_client() -> redis.Redis:
    return redis.Redis.from_url(redis_url_for_tests())


def new_namespace(prefix: str = "publisher-test") -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


def delete_namespace(client: redis.Redis, namespace: str) -> None:
    """Remove every key of one test namespace (and its dry-run twin); never FLUSHDB on a shared server."""
    for pattern in (f"{namespace}:*", f"{namespace}-dry-run:*"):
        keys = list(client.scan_iter(match=pattern, count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])
