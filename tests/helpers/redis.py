"""The Redis server the tests use, and the cleanup of one test namespace (written once)."""

from __future__ import annotations

REDIS_URL_ENV = "PUBLISHER_TEST_REDIS_URL"


def redis_url_for_tests() -> str:
    import os

    return os.environ.get(REDIS_URL_ENV, "redis://127.0.0.1:6379/0")


def delete_namespace(client, namespace: str) -> None:
    """Remove every key of one test namespace (and its dry-run twin); never FLUSHDB on a shared server."""
    for pattern in (f"{namespace}:*", f"{namespace}-dry-run:*"):
        keys = list(client.scan_iter(match=pattern, count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])
