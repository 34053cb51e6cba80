"""The HTTP seam every adapter talks through, in the spirit of httpx's transports.

An adapter builds an ``HttpRequest`` and hands it to ``Transport.send``; it never imports ``requests``. Two
transports exist and the adapter factory (``publisher.adapters.build_adapter``) picks one — the only place dry-run
is decided:

    RequestsTransport  real HTTP: one session per process, (connect, read) timeouts, never retries by itself
    DryRunTransport    records what would have been sent (secrets masked) and answers a plausible success

Failures that happen before an HTTP status exists are told apart, because they decide whether a retry is safe:

    TransportError
    ├── NothingSent   could not connect (refused, DNS, connect timeout, TLS handshake): the platform saw nothing
    └── AnswerLost    the request was written but no answer came (read timeout, reset/closed): it may have acted
"""

from __future__ import annotations

import itertools
import json as jsonlib
import logging
import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

USER_AGENT = "bengkulu-selatan-publisher/0.1 (+Kantor Imigrasi Bengkulu Selatan)"
TIMEOUTS = (5.0, 30.0)  # (connect, read) seconds; uploads of a few MB fit well inside the read timeout
MASK = "***"

log = logging.getLogger("publisher.transport")


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


class Masker:
    """Replaces every known secret (longest first, so a token containing another is fully hidden) with ``***``."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text


def _where(url: str) -> str:
    """Scheme, host and path of a URL — enough to say what failed, never the query string."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


class RequestsTransport:
    """Real HTTP through one ``requests.Session`` per process.

    ``max_retries=0`` on the adapters: urllib3 would otherwise be allowed to resend a request whose connection
    broke, and a resent POST is a second publication. Retrying is the queue's decision, made with the outcome.
    """

    _session = None
    _session_pid = 0
    _session_lock = threading.Lock()

    def __init__(self, *, timeouts: tuple[float, float] = TIMEOUTS, masker: Masker | None = None) -> None:
        self.timeouts = timeouts
        self.mask = masker or Masker([])

    @classmethod
    def session(cls):  # type: ignore[no-untyped-def]
        import requests
        from requests.adapters import HTTPAdapter
        from urllib3.util.retry import Retry

        with cls._session_lock:
            # A session made before a fork (a Celery prefork worker) would share its sockets with the parent.
            if cls._session is None or cls._session_pid != os.getpid():
                session = requests.Session()
                no_retries = HTTPAdapter(max_retries=Retry(total=0, connect=0, read=0, redirect=0, status=0))
                session.mount("http://", no_retries)
                session.mount("https://", no_retries)
                session.headers["User-Agent"] = USER_AGENT
                session.trust_env = False  # no proxies or .netrc credentials picked up from the environment
                cls._session, cls._session_pid = session, os.getpid()
            return cls._session

    def send(self, request: HttpRequest) -> HttpResponse:
        import requests

        where = self.mask(_where(request.url))  # Telegram puts the bot token in the path
        # The errors below are raised ``from None``: requests' own exception text carries the full URL, and with
        # it Telegram's token, into any traceback that gets logged.
        try:
            response = self.session().request(
                request.method,
                request.url,
                params=dict(request.params) or None,
                data=request.content if request.content is not None else (dict(request.data or {}) or None),
                files=dict(request.files) if request.files else None,
                json=request.json,
                headers=dict(request.headers),
                timeout=self.timeouts,
                allow_redirects=False,
            )
            body = response.content  # read fully here, so a reset mid-body is classified below
        except requests.exceptions.ConnectTimeout:
            raise NothingSent(f"{request.method} {where}: connect timeout") from None
        except requests.exceptions.SSLError:
            raise NothingSent(f"{request.method} {where}: TLS handshake failed") from None
        except requests.exceptions.ReadTimeout:
            raise AnswerLost(f"{request.method} {where}: no answer within {self.timeouts[1]:g} s") from None
        except requests.exceptions.ConnectionError as exc:
            if _never_connected(exc):
                raise NothingSent(f"{request.method} {where}: could not connect") from None
            raise AnswerLost(f"{request.method} {where}: connection closed before the answer") from None
        except requests.exceptions.ChunkedEncodingError:
            raise AnswerLost(f"{request.method} {where}: answer cut off") from None
        headers = {k.lower(): v for k, v in response.headers.items()}
        return HttpResponse(response.status_code, headers, body)


def _never_connected(exc: Exception) -> bool:
    """True when urllib3 gave up while connecting (refused, DNS, unreachable) — before any byte was written."""
    from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError

    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


# --- dry run ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    url: str  # secrets masked
    summary: dict[str, Any]  # params / form / files / json / content, secrets masked, bytes summarised


class DryRunTransport:
    """Never opens a socket: records each request, answers one generic success that every adapter can read.

    The answer carries, at once, the fields each platform's success response has (ids, Graph ``status_code``,
    Telegram's ``ok``/``result``, X's ``data``, Bluesky's session, blob and record fields, Mastodon's media ``url``),
    so the same adapter code runs end to end and the dry run exercises it.
    """

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self.mask = Masker(secrets)
        self.requests: list[RecordedRequest] = []
        self._ids = itertools.count(1)

    def send(self, request: HttpRequest) -> HttpResponse:
        recorded = RecordedRequest(request.method, self.mask(request.url), self._summary(request))
        self.requests.append(recorded)
        log.info(
            "dry run: %s %s %s", recorded.method, recorded.url, jsonlib.dumps(recorded.summary, ensure_ascii=False)
        )
        n = next(self._ids)
        fake_id = f"dry-run-{n}"
        body = {
            "id": fake_id,
            "post_id": fake_id,
            "status_code": "FINISHED",
            "status": "FINISHED",
            "permalink": f"https://dry-run.invalid/{fake_id}",
            "permalink_url": f"https://dry-run.invalid/{fake_id}",
            "url": f"https://dry-run.invalid/{fake_id}",
            "username": "dry-run",
            "name": "dry run",
            "ok": True,
            "result": {"message_id": n, "chat": {"username": "dry_run"}, "username": "dry_run_bot"},
            "data": {"id": fake_id, "media_key": f"3_{fake_id}", "text": "", "username": "dry_run"},
            "accessJwt": "dry-run-access",
            "refreshJwt": "dry-run-refresh",
            "did": "did:plc:dryrun",
            "handle": "dry-run.invalid",
            "blob": {"$type": "blob", "ref": {"$link": "bafkreidryrun"}, "mimeType": "image/jpeg", "size": 0},
            "uri": f"at://did:plc:dryrun/app.bsky.feed.post/{fake_id}",
            "cid": "bafyreidryrun",
        }
        return HttpResponse(200, {"content-type": "application/json"}, jsonlib.dumps(body).encode())

    def _summary(self, request: HttpRequest) -> dict[str, Any]:
        summary: dict[str, Any] = {}
        if request.params:
            summary["params"] = {k: self.mask(str(v)) for k, v in request.params.items()}
        if request.data:
            summary["form"] = {k: self.mask(str(v)) for k, v in request.data.items()}
        if request.files:
            summary["files"] = {
                name: f"<{len(content)} bytes {mime}>" for name, (_filename, content, mime) in request.files.items()
            }
        if request.json is not None:
            summary["json"] = self._masked(request.json)
        if request.content is not None:
            mime = {k.lower(): v for k, v in request.headers.items()}.get("content-type", "application/octet-stream")
            summary["content"] = f"<{len(request.content)} bytes {mime}>"
        if request.headers:
            # Authorization headers carry tokens or OAuth signatures: whole value hidden, not just known secrets.
            summary["headers"] = {
                k: (MASK if k.lower() == "authorization" else self.mask(v)) for k, v in request.headers.items()
            }
        return summary

    def _masked(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.mask(value)
        if isinstance(value, dict):
            return {k: self._masked(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._masked(v) for v in value]
        return value
