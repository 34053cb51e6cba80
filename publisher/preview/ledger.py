"""The publishing state a preview may show: read from ``PUBLISHER_REDIS_URL`` only, and only when allowed.

A preview "opens no outside socket", so by default the ledger is read only from a Redis on this machine
(loopback or a unix socket); ``--ledger`` allows a remote one, ``--no-ledger`` turns it off. The embedded Redis is
never started for a preview: with no URL there is simply no state to show. The archive (engagement figures)
follows the same rule: its SQLite file is read only when it exists (a preview never creates one, nor migrates
one), a PostgreSQL server only when it is on this machine or ``--ledger`` allows it.
"""

from __future__ import annotations

import ipaddress
import logging
from pathlib import Path
from urllib.parse import urlsplit

from publisher.archive.database import create_archive_engine, database_url
from publisher.infra.redis import connect
from publisher.infra.settings import Settings
from publisher.listening.store import EngagementStore
from publisher.publishing.ledger import Ledger

log = logging.getLogger(__name__)
CONNECT_TIMEOUT = 1.0  # seconds: a preview must not hang on a store that is down


def is_local_url(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("unix", "redis+socket", "socket"):
        return True
    host = parts.hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def preview_ledger(settings: Settings, wanted: bool | None = None) -> Ledger | None:
    """A :class:`~publisher.publishing.ledger.Ledger` to read states from, or ``None`` (no URL, not allowed, none)."""
    if wanted is False or settings.redis_url is None:
        return None
    url = settings.redis_url.get_secret_value()
    if wanted is None and not is_local_url(url):
        log.info("ledger not read: PUBLISHER_REDIS_URL is not on this machine (use --ledger to read it)")
        return None
    # A URL is set, so connect() never starts the embedded server here.
    client = connect(settings, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=CONNECT_TIMEOUT)
    return Ledger(client, settings.namespace)


def preview_engagement(settings: Settings, wanted: bool | None = None) -> EngagementStore | None:
    """An :class:`~publisher.listening.store.EngagementStore` to show the newest metrics from, or ``None``."""
    if wanted is False:
        return None
    url = database_url(settings)
    if url.get_backend_name() == "sqlite":
        if not url.database or not Path(url.database).is_file():
            return None
    elif wanted is None and not is_local_url(url.render_as_string(hide_password=True)):
        log.info("archive not read: PUBLISHER_DATABASE_URL is not on this machine (use --ledger to read it)")
        return None
    return EngagementStore(create_archive_engine(url))
