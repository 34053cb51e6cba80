"""The dry-run transport: records what would have been sent (secrets masked) and answers a plausible success."""

from __future__ import annotations

import itertools
import json as jsonlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from publisher.adapters.transport.base import HttpRequest, HttpResponse
from publisher.infra.masking import MASK, Masker

log = logging.getLogger("publisher.transport")


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
