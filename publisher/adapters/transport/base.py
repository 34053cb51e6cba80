"""The HTTP seam every adapter talks through, in the spirit of httpx's transports.

An adapter builds an ``HttpRequest`` and hands it to ``Transport.send``; it never imports ``requests``. Two
transports exist (``requests``, ``dry_run``); :func:`publisher.adapters.registry.build_adapter` picks one:

    RequestsTransport  real HTTP: one session per process, (connect, read) timeouts, never retries by itself
    DryRunTransport    records what would have been sent (secrets masked) and answers a plausible success

Failures that happen before an HTTP status exists are told apart, because they decide whether a retry is safe:

    TransportError
    ├── NothingSent   could not connect (refused, DNS, connect timeout, TLS handshake): the platform saw nothing
    └── AnswerLost    the request was written but no answer came (read timeout, reset/closed): it may have acted
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

USER_AGENT = "bengkulu-selatan-publisher/0.1 (+Kantor Imigrasi Bengkulu Selatan)"


@dataclass(frozen=True)
class HttpRequest:
    """One request. ``data`` is form fields (urlencoded, or multipart next to ``files``); ``content`` is a raw body."""

    method: str
    url: str
    params: Mapping[str, str] = field(default_factory=dict)
    data: Mapping[str, str] | None = None
    files: Mapping[str, tuple[str, bytes, str]] | None = None  # field name -> (filename, bytes, mime type)
    json: Any = None
    content: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]  # keys lower-cased
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return jsonlib.loads(self.body)

    def json_or_none(self) -> Any:
        """The body as JSON, or None when it is empty or not JSON (an HTML error page from a proxy)."""
        try:
            return jsonlib.loads(self.body) if self.body else None
        except ValueError:
            return None


class TransportError(Exception):
    """No HTTP status came back. The message never contains a secret (it names host and path only)."""


class NothingSent(TransportError):
    """The connection could not be made: the platform never saw the request, so a retry is safe."""


class AnswerLost(TransportError):
    """The request went out but the answer did not come back: the platform may have acted on it."""


class Transport(Protocol):
    def send(self, request: HttpRequest) -> HttpResponse: ...


def location_of(url: str) -> str:
    """Scheme, host and path of a URL — enough to say what failed, never the query string."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
