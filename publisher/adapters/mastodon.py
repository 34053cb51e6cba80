"""Mastodon: media upload with a description, then a status.

    POST {base}/api/v2/media            multipart: file, description (alt text) -> 200 with url, or 202 url null
    GET  {base}/api/v1/media/{id}       while 202: 206 = still processing, 200 = ready
    POST {base}/api/v1/statuses         json {"status", "media_ids"}, header Idempotency-Key -> {"id", "url"}
    GET  {base}/api/v1/accounts/verify_credentials     doctor, and the account id for reconcile
    GET  {base}/api/v1/accounts/{id}/statuses          reconcile: recent statuses matched on the text
    DELETE {base}/api/v1/statuses/{id}  retract
    GET  {base}/api/v1/statuses?id[]=…  reading: up to 20 statuses per call (Mastodon 4.3+)
    GET  {base}/api/v1/statuses/{id}/context   reading: the replies (descendants)

Idempotency: "Provide this header with any arbitrary string to prevent duplicate submissions of the same status
... Idempotency keys are stored for up to 1 hour" (docs.joinmastodon.org/methods/statuses/#create). The server keeps
the id of the status a key made for 3,600 s and answers a repeat with that status (app/services/
post_status_service.rb); newer servers also hold a lock per key while posting (``with_idempotency``), so a repeat
arriving while the first is still being written is refused with a 503 rather than racing it.

So when the answer to the status POST is lost (a 502/504 from the proxy, a reset), ``reconcile`` repeats the POST
with the same key while the first attempt is less than ``IDEMPOTENCY_WINDOW`` old, at most ``len(resend_delays)``
times, waiting before each (a 503 is waited out the same way): the server returns the status that was made, or
makes it now, never a second one. Past the window, or when every repeat is lost too, it looks for the status among
the account's recent ones by text, and cannot tell (None) when it is not there.
Rate limits: 429 with ``X-RateLimit-Reset`` as an ISO 8601 time.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from publisher.adapters.base import Adapter, CardSpec, CredentialCheck, DeleteResult, Failed, Outgoing
from publisher.adapters.failures import classify_status
from publisher.adapters.reads import MetricSnapshot, Reply, parse_api_time
from publisher.adapters.results import Outcome, PublishResult
from publisher.adapters.transport.base import HttpRequest, HttpResponse
from publisher.infra.settings import MastodonSettings, reveal
from publisher.text.counting import Counting

IDEMPOTENCY_WINDOW = timedelta(minutes=50)  # Mastodon keeps keys for 60 minutes; leave a margin for clocks
CLOCK_SKEW = timedelta(minutes=1)  # a start "in the future" by more than this is a clock we cannot trust


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
    # Waits before each repeat of a status POST whose answer was lost: a few, short, inside the task's time limit.
    resend_delays: tuple[float, ...] = (1, 3, 6)

    # Reading: a status's own counters, under Mastodon's names.
    metric_names = ("replies_count", "reblogs_count", "favourites_count")
    read_batch_size = 20  # GET /api/v1/statuses takes at most 20 id[] (a server older than 4.3 answers 404)
    api_version = "v1"

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
        started = _parse_time(item.progress.get("started_at"))
        if started is not None and -CLOCK_SKEW < datetime.now(UTC) - started < IDEMPOTENCY_WINDOW:
            resent = self._resend(item)
            if resent is not None:
                return resent
        # Past the window the key may have expired on the server, and a repeat could make a second status.
        return self._find_by_text(item)

    def _resend(self, item: Outgoing) -> PublishResult | None:
        """The status POST again with the same Idempotency-Key; None when every answer was lost or refused."""
        media_id = item.progress.get("media_id") or self._upload(item)
        for delay in self.resend_delays:
            self.sleep(delay)
            try:
                return self._post_status(item, media_id)
            except Failed as failure:
                # Lost again, or 503 while the first request still holds the key's lock: wait and repeat.
                if failure.result.outcome not in (Outcome.UNKNOWN_OUTCOME, Outcome.TRANSIENT):
                    return None
        return None

    def _find_by_text(self, item: Outgoing) -> PublishResult | None:
        account = self.send_json(self.request("GET", "api/v1/accounts/verify_credentials"))
        recent = self.send_json(
            self.request("GET", f"api/v1/accounts/{account['id']}/statuses", params={"limit": "20"})
        )
        wanted = " ".join(item.caption.split())
        for status in recent if isinstance(recent, list) else []:
            if _plain_text(status.get("content", "")) == wanted:
                return PublishResult.published(str(status["id"]), status.get("url"))
        return None

    def _delete(self, remote_id: str) -> DeleteResult:
        self.send(self.request("DELETE", f"api/v1/statuses/{remote_id}"))
        return DeleteResult(True, f"Mastodon: deleted status {remote_id}")

    def _read_metrics(self, batch: list[str]) -> list[MetricSnapshot]:
        query = urlencode([("id[]", status_id) for status_id in batch])
        statuses = self.send_json(self.request("GET", f"api/v1/statuses?{query}"))
        found = {str(s.get("id")): s for s in statuses if isinstance(s, dict)} if isinstance(statuses, list) else {}
        return [self.snapshot(status_id, found.get(status_id) or {}) for status_id in batch]

    def _read_replies(self, remote_id: str) -> list[Reply]:
        me = self._own_account_id()
        context = self.send_json(self.request("GET", f"api/v1/statuses/{remote_id}/context"))
        replies = []
        for status in context.get("descendants") or []:
            account = status.get("account") or {}
            replies.append(
                Reply(
                    self.name,
                    remote_id,
                    str(status.get("id", "")),
                    account.get("acct"),
                    _plain_text(status.get("content", "")),
                    parse_api_time(status.get("created_at")),
                    status.get("url"),
                    from_office=str(account.get("id")) == me,
                )
            )
        return replies

    def _own_account_id(self) -> str:
        if not getattr(self, "_account_id", None):
            self._account_id = str(self.send_json(self.request("GET", "api/v1/accounts/verify_credentials"))["id"])
        return self._account_id

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
