"""A loopback stand-in for the seven platforms' HTTP APIs (see ``server.py`` for the plumbing and
``platforms.py`` for the APIs). Start one with ``start_fake_platform()``; tests get it from the
``fake_platform`` fixture in ``tests/conftest.py``."""

from __future__ import annotations

from .platforms import ALL_APIS, BSKY_DID, BSKY_HANDLE, IG_USER, PAGE_ID, TG_CHANNEL, THREADS_USER, TOKENS, Publication
from .server import FakePlatform, ImageInfo, MediaServer, Request, inspect_image


def start_fake_platform() -> FakePlatform:
    return FakePlatform(ALL_APIS).start()


__all__ = [
    "BSKY_DID",
    "BSKY_HANDLE",
    "IG_USER",
    "PAGE_ID",
    "TG_CHANNEL",
    "THREADS_USER",
    "TOKENS",
    "FakePlatform",
    "ImageInfo",
    "MediaServer",
    "Publication",
    "Request",
    "inspect_image",
    "start_fake_platform",
]
