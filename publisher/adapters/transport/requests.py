"""Real HTTP through one ``requests.Session`` per process, failures classified as nothing-sent or answer-lost."""

from __future__ import annotations

import os
import threading

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError
from urllib3.util.retry import Retry

from publisher import defaults
from publisher.adapters.transport.base import (
    USER_AGENT,
    AnswerLost,
    HttpRequest,
    HttpResponse,
    NothingSent,
    location_of,
)
from publisher.infra.masking import Masker


class RequestsTransport:
    """Real HTTP through one ``requests.Session`` per process.

    ``max_retries=0`` on the adapters: urllib3 would otherwise be allowed to resend a request whose connection
    broke, and a resent POST is a second publication. Retrying is the queue's decision, made with the outcome.
    """

    _session = None
    _session_pid = 0
    _session_lock = threading.Lock()

    def __init__(self, *, timeouts: tuple[float, float] = defaults.HTTP_TIMEOUTS, masker: Masker | None = None) -> None:
        self.timeouts = timeouts
        self.mask = masker or Masker([])

    @classmethod
    def session(cls) -> requests.Session:
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
        where = self.mask(location_of(request.url))  # Telegram puts the bot token in the path
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
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)
