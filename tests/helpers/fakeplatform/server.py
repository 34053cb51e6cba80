"""The plumbing of the fake platform server: request parsing, fault injection, the loopback servers.

One ``ThreadingHTTPServer`` on 127.0.0.1 serves all seven APIs, each under its own prefix (``/facebook/v24.0``,
``/x``, ``/telegram`` ...), so an adapter's ``api_base`` is ``{fake.url}/{platform}[/version]`` and the adapter
appends the real documented paths. A second server (``MediaServer``) serves the media dir over HTTP, so Instagram
and Threads containers fetch their images by URL exactly as the real platforms do.

Faults are queued per platform and path suffix and consumed in order::

    fake.fail("x", "/2/tweets", "rate_limit", retry_after=120)   # the platform's own 429 shape
    fake.fail("telegram", "/sendPhoto", "drop_after_accept")    # publish it, then hang up without answering
    fake.fail("mastodon", "/api/v1/statuses", "bad_gateway_after_accept")   # publish it, then answer 502
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from PIL import Image

FAULT_KINDS = (
    "rate_limit",
    "server_error",
    "bad_gateway",  # a gateway answers 502 before the application saw the request: nothing was made
    "bad_gateway_after_accept",  # the application made it, then the gateway answered 502 (its upstream timed out)
    "auth",
    "drop_after_accept",
    "drop_before",
    "stall",
)


@dataclass
class Request:
    method: str
    path: str  # after the platform prefix (and Graph version), e.g. "/2/tweets"
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)
    json: Any = None
    full_url: str = ""
    pairs: list[tuple[str, str]] = field(default_factory=list)  # the query in order, repeated keys kept (id[]=…)

    def field(self, name: str) -> str | None:
        """A parameter from the query or the form, as the Graph and Bot APIs accept both."""
        return self.form.get(name, self.query.get(name))

    def bearer(self) -> str | None:
        auth = self.headers.get("authorization", "")
        return auth[7:] if auth.startswith("Bearer ") else None


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # JSON-serialised unless bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Fault:
    platform: str
    path_suffix: str
    kind: str
    times: int = 1
    retry_after: int = 60
    status: int = 503
    seconds: float = 0.0


@dataclass
class ImageInfo:
    format: str
    width: int
    height: int
    size: int


def inspect_image(data: bytes) -> ImageInfo:
    """Decode as the platform would; raises ValueError for anything that is not a readable image."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            return ImageInfo(img.format or "?", img.width, img.height, len(data))
    except Exception as exc:
        raise ValueError(f"not a decodable image: {exc}") from None


def parse_multipart(body: bytes, content_type: str) -> tuple[dict[str, str], dict[str, tuple[str, bytes, str]]]:
    """multipart/form-data by hand (the stdlib ``cgi`` is gone): split on the boundary, read each part's headers."""
    boundary = next(
        p.split("=", 1)[1].strip('"') for p in content_type.split(";") if p.strip().startswith("boundary=")
    ).encode()
    form: dict[str, str] = {}
    files: dict[str, tuple[str, bytes, str]] = {}
    for part in body.split(b"--" + boundary)[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        headers = dict(
            (k.strip().lower(), v.strip())
            for k, v in (line.split(":", 1) for line in head.decode().split("\r\n") if ":" in line)
        )
        disposition = dict(
            (k.strip(), v.strip().strip('"'))
            for k, v in (p.split("=", 1) for p in headers.get("content-disposition", "").split(";") if "=" in p)
        )
        name = disposition.get("name", "")
        if "filename" in disposition:
            files[name] = (disposition["filename"], content, headers.get("content-type", "application/octet-stream"))
        else:
            form[name] = content.decode()
    return form, files


class FakePlatform:
    """The server and its state. ``apis`` maps the URL prefix to a platform handler (see ``platforms.py``)."""

    def __init__(self, apis: dict[str, Callable[[FakePlatform], Any]]) -> None:
        self.lock = threading.RLock()
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, Request]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, self))
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.apis = {prefix: make(self) for prefix, make in apis.items()}
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def start(self) -> FakePlatform:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def api(self, platform: str) -> Any:
        return self.apis[platform]

    def base(self, platform: str) -> str:
        return f"{self.url}/{platform}{self.apis[platform].version_prefix}"

    # --- fault injection and observation -------------------------------------------------------------------------

    def fail(self, platform: str, path_suffix: str, kind: str, **options: Any) -> None:
        assert kind in FAULT_KINDS, kind
        with self.lock:
            self.faults.append(Fault(platform, path_suffix, kind, **options))

    def revoke(self, platform: str) -> None:
        """From now on the platform refuses the configured credentials, with its own auth error."""
        self.apis[platform].revoked = True

    def published(self, platform: str) -> list[Any]:
        return self.apis[platform].published

    def calls(self, platform: str, path_contains: str, method: str | None = None) -> list[Request]:
        with self.lock:
            return [
                r
                for p, r in self.requests
                if p == platform and path_contains in r.path and (method is None or r.method == method)
            ]

    def _take_fault(self, platform: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.platform == platform and path.endswith(fault.path_suffix) and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like real APIs: exercises connection reuse in the client

    def __init__(self, fake: FakePlatform, *args: Any) -> None:
        self.fake = fake
        super().__init__(*args)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet test output

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_DELETE = do_GET

    def _serve(self) -> None:
        split = urlsplit(self.path)
        _, platform, *rest = [*split.path.split("/", 2), ""]
        api = self.fake.apis.get(platform)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if api is None:
            return self._write(Reply(404, {"error": f"no fake platform {platform!r}"}))
        path = "/" + rest[0]
        if api.version_prefix and path.startswith(api.version_prefix + "/"):
            path = path[len(api.version_prefix) :]
        request = Request(
            self.command,
            path,
            dict(parse_qsl(split.query, keep_blank_values=True)),
            {k.lower(): v for k, v in self.headers.items()},
            body,
            full_url=f"http://{self.headers.get('Host')}{split.path}",
            pairs=parse_qsl(split.query, keep_blank_values=True),
        )
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("multipart/form-data"):
            request.form, request.files = parse_multipart(body, content_type)
        elif content_type.startswith("application/x-www-form-urlencoded"):
            request.form = dict(parse_qsl(body.decode(), keep_blank_values=True))
        elif content_type.startswith("application/json") and body:
            request.json = json.loads(body)
        with self.fake.lock:
            self.fake.requests.append((platform, request))

        fault = self.fake._take_fault(platform, path)
        if fault and fault.kind == "drop_before":
            self.close_connection = True
            return None
        if fault and fault.kind == "stall":
            threading.Event().wait(fault.seconds)
        if fault and fault.kind in ("rate_limit", "server_error", "bad_gateway", "auth"):
            return self._write(api.fault_reply(fault))
        if not api.authorized(request):
            return self._write(api.auth_error(request))
        try:
            reply = api.handle(request)
        except ValueError as exc:  # a handler's validation failure, in the platform's own error shape
            reply = api.invalid(str(exc))
        if fault and fault.kind == "drop_after_accept":
            self.close_connection = True  # the publication happened; the answer never leaves
            return None
        if fault and fault.kind == "bad_gateway_after_accept":
            return self._write(api.fault_reply(Fault(fault.platform, fault.path_suffix, "bad_gateway")))
        return self._write(reply)

    def _write(self, reply: Reply) -> None:
        payload = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
        self.send_response(reply.status)
        content_type = "text/html" if isinstance(reply.body, bytes) else "application/json; charset=utf-8"
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


class MediaServer:
    """Serves ``media_dir`` on loopback: the public web server ``PUBLISHER_MEDIA_BASE_URL`` stands for."""

    def __init__(self, media_dir: Path) -> None:
        handler = partial(_QuietFiles, directory=str(media_dir))
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/media"
        self.fetches: list[str] = []
        self.server.fetches = self.fetches  # type: ignore[attr-defined]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _QuietFiles(SimpleHTTPRequestHandler):
    def translate_path(self, path: str) -> str:
        self.server.fetches.append(path)  # type: ignore[attr-defined]
        return super().translate_path(path.removeprefix("/media"))

    def log_message(self, format: str, *args: Any) -> None:
        pass
