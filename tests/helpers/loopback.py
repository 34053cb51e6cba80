"""The worker tests' loopback platform, ``CountingPlatform``, and the publish and retract hooks that use it.

Not the seven-platform fake (``helpers.fakeplatform``, which follows each platform's documented API): this one is
one generic endpoint that counts every post it accepts, by idempotency key: duplicates and losses are judged from
its counts, never from our own ledger. Faults are scripted per target: ``429:2`` (Retry-After 2 s), ``500``,
``drop`` (the post is made, then the connection is closed without an answer) and ``block`` (the post is made,
then the answer is held until the test releases it — a worker killed meanwhile never learns the outcome).

``publish_via_loopback`` is what ``PUBLISHER_PUBLISH_HOOK`` points the worker at: the real
``publisher.publishing.step.publish_target`` (ledger, reconcile, unknown) with an adapter that talks to this server.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import requests

from publisher.adapters.base import CredentialCheck, DeleteResult, Outgoing
from publisher.adapters.results import Outcome, PublishResult


class CountingPlatform:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()  # idempotency key -> posts made
        self.targets: dict[str, str] = {}  # idempotency key -> target id
        self.first_call: dict[str, float] = {}  # target id -> time of the first request
        self.requests: Counter[str] = Counter()  # target id -> requests received (faults included)
        self.request_times: dict[str, list[float]] = defaultdict(list)
        self.faults: dict[str, list[str]] = defaultdict(list)
        self.release = threading.Event()
        self.blocked = threading.Event()  # set when a `block` fault is holding a request
        self.deleted: list[str] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> CountingPlatform:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def published(self, target_id: str) -> int:
        return sum(n for key, n in self.counts.items() if self.targets.get(key) == target_id)

    def _handler(self):
        platform = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms delayed-ACK stall

            def log_message(self, *args: object) -> None:
                pass

            def _reply(self, status: int, body: dict, headers: dict | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                key = query.get("key", [""])[0]
                with platform.lock:
                    made = platform.counts.get(key, 0)
                if made:
                    self._reply(200, {"id": key})
                else:
                    self._reply(404, {"error": "not found"})

            def do_DELETE(self) -> None:
                platform.deleted.append(urlsplit(self.path).path.rsplit("/", 1)[-1])
                self._reply(200, {"ok": True})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                target, key = body["target"], body["key"]
                with platform.lock:
                    platform.requests[target] += 1
                    platform.request_times[target].append(time.time())
                    platform.first_call.setdefault(target, time.time())
                    fault = platform.faults[target].pop(0) if platform.faults[target] else ""
                if fault.startswith("429"):
                    wait = fault.partition(":")[2] or "1"
                    self._reply(429, {"error": "slow down"}, {"Retry-After": wait})
                    return
                if fault == "500":
                    self._reply(500, {"error": "try again"})
                    return
                with platform.lock:  # the post is made
                    platform.counts[key] += 1
                    platform.targets[key] = target
                if fault == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if fault == "block":
                    platform.blocked.set()
                    platform.release.wait(60)
                self._reply(200, {"id": key})

        return Handler


class LoopbackAdapter:
    """A minimal publishing adapter for the fake platform, with the outcome classification real adapters use."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")

    def publish(self, item: Outgoing) -> PublishResult:
        try:
            answer = requests.post(
                f"{self.base}/publish", json={"target": item.target_id, "key": item.idempotency_key}, timeout=30
            )
        except requests.ConnectionError as exc:
            return PublishResult.failed(Outcome.UNKNOWN_OUTCOME, f"connection lost after sending: {exc}")
        if answer.status_code == 429:
            return PublishResult.failed(
                Outcome.RETRY_AFTER, "rate limited", retry_after=float(answer.headers.get("Retry-After", 1))
            )
        if answer.status_code >= 500:
            return PublishResult.failed(Outcome.TRANSIENT, f"HTTP {answer.status_code}")
        remote_id = answer.json()["id"]
        return PublishResult.published(remote_id, f"{self.base}/p/{remote_id}")

    def reconcile(self, item: Outgoing) -> PublishResult | None:
        answer = requests.get(f"{self.base}/lookup", params={"key": item.idempotency_key}, timeout=10)
        if answer.status_code == 200:
            remote_id = answer.json()["id"]
            return PublishResult.published(remote_id, f"{self.base}/p/{remote_id}")
        return None

    def delete(self, remote_id: str) -> DeleteResult:
        requests.delete(f"{self.base}/p/{remote_id}", timeout=10)
        return DeleteResult(True, "deleted")

    def check_credentials(self) -> CredentialCheck:
        return CredentialCheck(True, "ok")


def publish_via_loopback(target, *, settings, ledger, post=None, dry_run=None):
    """The real publish step, with the loopback adapter (the server's URL is the telegram API base)."""
    from publisher.publishing.step import publish_target

    base = settings.telegram.api_base

    def factory(_name: str, **_kw: object) -> LoopbackAdapter:
        return LoopbackAdapter(base)

    return publish_target(target, settings=settings, ledger=ledger, post=post, dry_run=dry_run, adapter_factory=factory)


def retract_via_loopback(target_id, *, settings, ledger) -> str:
    """The publish step's per-target retraction, with the loopback adapter (PUBLISHER_RETRACT_HOOK)."""
    from publisher.publishing.verbs import retract_target

    base = settings.telegram.api_base
    factory = lambda _n, **_kw: LoopbackAdapter(base)  # noqa: E731
    return retract_target(target_id, settings=settings, ledger=ledger, adapter_factory=factory).message
