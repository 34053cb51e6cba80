"""A loopback stand-in for the seven platforms' HTTP APIs (see ``server.py`` for the plumbing and
``platforms.py`` for the APIs). Start one with ``start_fake_platform()``; tests get it from the
``fake_platform`` fixture in ``tests/conftest.py``."""

from __future__ import annotations

from .platforms import BSKY_DID, BSKY_HANDLE, IG_USER, PAGE_ID, TG_CHANNEL, THREADS_USER, TOKENS, Publication
from .reads import READING_APIS, SAMPLE_METRICS, Engagement, FakeReply, seed
from .server import FakePlatform, ImageInfo, MediaServer, Request, inspect_image


def start_fake_platform() -> FakePlatform:
    return FakePlatform(READING_APIS).start()  # the seven APIs, each with its read endpoints (reads.py)


__all__ = [
    "BSKY_DID",
    "BSKY_HANDLE",
    "IG_USER",
    "PAGE_ID",
    "SAMPLE_METRICS",
    "TG_CHANNEL",
    "THREADS_USER",
    "TOKENS",
    "Engagement",
    "FakePlatform",
    "FakeReply",
    "ImageInfo",
    "MediaServer",
    "Publication",
    "Request",
    "inspect_image",
    "seed",
    "start_fake_platform",
]
