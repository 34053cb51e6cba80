"""Mastodon: media upload with a description, then a status.

    POST {base}/api/v2/media            multipart: file, description (alt text) -> 200 with url, or 202 url null
    GET  {base}/api/v1/media/{id}       while 202: 206 = still processing, 200 = ready
    POST {base}/api/v1/statuses         json {"status", "media_ids"}, header Idempotency-Key -> {"id", "url"}
    GET  {base}/api/v1/accounts/verify_credentials     doctor, and the account id for reconcile
    GET  {base}/api/v1/accounts/{id}/statuses          reconcile: recent statuses matched on the text
    DELETE {base}/api/v1/statuses/{id}  retract

Idempotency: Mastodon keeps the answer to a status POST for one hour per Idempotency-Key, so a repeat with the same
key returns the same status instead of a second one. ``reconcile`` first looks for the status among the account's
recent ones; when it is not there and the first attempt started less than ``IDEMPOTENCY_WINDOW`` ago, it repeats
the POST with the same key — which either returns the status that was made or makes it now, never a second one.
Rate limits: 429 with ``X-RateLimit-Reset`` as an ISO 8601 time.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

from publisher.adapters.base import Adapter, CardSpec, CredentialCheck, DeleteResult, Failed, Outgoing
from publisher.adapters.failures import classify_status
from publisher.adapters.results import Outcome, PublishResult
from publisher.adapters.transport.base import HttpRequest, HttpResponse
from publisher.infra.settings import MastodonSettings, reveal
from publisher.text.counting import Counting

IDEMPOTENCY_WINDOW = timedelta(minutes=50)  # Mastodon keeps keys for 60 minutes; leave a margin for clocks


class MastodonAdapter(Adapter):
    config: MastodonSettings  # what build_adapter hands this platform
    name = "mastodon"
    label = "Mastodon"
    max_chars = 500
    counting = Counting.CHARS_URL23
    card = CardSpec(1200, 675, "PNG", 8_000_000)
    supports_alt_text = True
    max_alt_chars = 1500
    can_delete = True

    poll_delays: tuple[float, ...] = (0.5, 1, 1, 2, 2, 3, 3, 5, 5, 5)

    def request(self, method: str, path: str, **kwargs) -> HttpRequest:  # type: ignore[no-untyped-def]
        headers = {"Authorization": f"Bearer {reveal(self.config.access_token)}"}
        headers.update(kwargs.pop("headers", {}))
        return HttpRequest(method, f"{self.config.api_base.rstrip('/')}/{path}", headers=headers, **kwargs)

    def classify(self, response: HttpResponse, *, publishing: bool) -> PublishResult:
        body = response.json_or_none()
        detail = str(body.get("error", "")) if isinstance(body, dict) else ""
        if response.status == 401 or response.status == 403:
            return PublishResult.failed(
                Outcome.AUTH,
                f"Mastodon: access token refused (HTTP {response.status}, auth) — check "
                f"PUBLISHER_MASTODON__ACCESS_TOKEN and its write scopes: {detail or 'no detail'}",
            )
        wait = _iso_reset(response.header("x-ratelimit-reset")) if response.status == 429 else None
        return classify_status(response, self.label, publishing=publishing, detail=detail, retry_after=wait)

    def _publish(self, item: Outgoing) -> PublishResult:
        media_id = self._upload(item)
        self.note(item, "media_id", media_id)
        self.note_start(item)
        return self._post_status(item, media_id)

    def _upload(self, item: Outgoing) -> str:
        fields = {"description": item.alt} if item.alt else {}
        upload = self.request(
            "POST",
            "api/v2/media",
            data=fields,
            files={"file": (self.filename_of(item), item.image, self.mime_of(item))},
        )
        response = self.send(upload)
        media = response.json_or_none() or {}
        media_id = str(media.get("id") or "")
        if not media_id:
            raise self.unexpected("no media id from /api/v2/media", publishing=False)
        if response.status == 202 or not media.get("url"):
            self._wait_for_media(media_id)
        return media_id

    def _wait_for_media(self, media_id: str) -> None:
        for delay in self.poll_delays:
            self.sleep(delay)
            response = self.send(self.request("GET", f"api/v1/media/{media_id}"))
            if response.status == 200 and (response.json_or_none() or {}).get("url"):
                return
        raise Failed(PublishResult.failed(Outcome.TRANSIENT, f"Mastodon: media {media_id} still processing"))

    def _post_status(self, item: Outgoing, media_id: str) -> PublishResult:
        status = self.request(
            "POST",
            "api/v1/statuses",
            json={"status": item.caption, "media_ids": [media_id], "language": "id"},
            headers={"Idempotency-Key": item.idempotency_key},
        )
        body = self.send_json(status, publishing=True)
        if not body.get("id"):
            raise self.unexpected("no status id from /api/v1/statuses", publishing=True)
        return PublishResult.published(str(body["id"]), body.get("url"))

    def _reconcile(self, item: Outgoing) -> PublishResult | None:
        account = self.send_json(self.request("GET", "api/v1/accounts/verify_credentials"))
        recent = self.send_json(
            self.request("GET", f"api/v1/accounts/{account['id']}/statuses", params={"limit": "20"})
        )
        wanted = " ".join(item.caption.split())
        for status in recent if isinstance(recent, list) else []:
            if _plain_text(status.get("content", "")) == wanted:
                return PublishResult.published(str(status["id"]), status.get("url"))
        started = _parse_time(item.progress.get("started_at"))
        if started is None or datetime.now(UTC) - started > IDEMPOTENCY_WINDOW:
            return None  # the key may have expired on the server: a repeat could make a second status
        media_id = item.progress.get("media_id") or self._upload(item)
        return self._post_status(item, media_id)

    def _delete(self, remote_id: str) -> DeleteResult:
        self.send(self.request("DELETE", f"api/v1/statuses/{remote_id}"))
        return DeleteResult(True, f"Mastodon: deleted status {remote_id}")

    def _check_credentials(self) -> CredentialCheck:
        account = self.send_json(self.request("GET", "api/v1/accounts/verify_credentials"))
        return CredentialCheck(True, f"Mastodon: token works for @{account.get('acct', '?')}")


def _plain_text(content: str) -> str:
    """A status's HTML content as the text that was posted: paragraphs and breaks as spaces, tags dropped."""
    text = re.sub(r"<br\s*/?>|</p>\s*<p>", " ", content)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())


def _iso_reset(value: str | None) -> float | None:
    when = _parse_time(value)
    return None if when is None else max(1.0, (when - datetime.now(UTC)).total_seconds())


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)
