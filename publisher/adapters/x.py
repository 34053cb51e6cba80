"""X (API v2): a post with one image.

    POST {base}/2/media/upload      multipart: media (bytes), media_category=tweet_image -> {"data": {"id", ...}}
    POST {base}/2/media/metadata    json {"id", "metadata": {"alt_text": {"text"}}}
    POST {base}/2/tweets            json {"text", "media": {"media_ids": [...]}} -> {"data": {"id", "text"}}
    GET  {base}/2/users/me          doctor, and the user id for reconcile
    GET  {base}/2/users/{id}/tweets reconcile: recent posts matched on the text (links aside: X rewrites them)
    DELETE {base}/2/tweets/{id}     retract
    GET  {base}/2/tweets?ids=…&tweet.fields=public_metrics   reading: up to 100 posts per call
    GET  {base}/2/tweets/search/recent?query=conversation_id:{id}   reading: replies (recent search: last 7 days)

Auth is an OAuth 2.0 user token (``Authorization: Bearer``) or OAuth 1.0a user context, signed here with oauthlib
(the library under requests-oauthlib) so the transport stays auth-agnostic. Multipart and JSON bodies are not
part of an OAuth 1.0a signature; the query string is. Errors are RFC 7807 problem JSON (``detail``, ``title``) or
``{"errors": [{"message"}]}``; a 403 whose detail mentions duplicate content is DUPLICATE, other 401/403 AUTH,
429 waits for ``x-rate-limit-reset`` (epoch seconds).
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urlencode

from oauthlib.oauth1 import Client

from publisher.adapters.base import Adapter, CardSpec, CredentialCheck, DeleteResult, Outgoing
from publisher.adapters.failures import classify_status, seconds_until_epoch
from publisher.adapters.reads import MetricSnapshot, Reply, parse_api_time
from publisher.adapters.results import Outcome, PublishResult
from publisher.adapters.transport.base import HttpRequest, HttpResponse
from publisher.infra.settings import XSettings, reveal
from publisher.text.counting import URL_PATTERN, Counting


class XAdapter(Adapter):
    config: XSettings  # what build_adapter hands this platform
    name = "x"
    label = "X"
    max_chars = 280
    counting = Counting.X_WEIGHTED
    card = CardSpec(1600, 900, "PNG", 5_000_000)
    supports_alt_text = True
    max_alt_chars = 1000
    can_delete = True

    # Reading. X bills reads: pay-per-use charges $0.005 per post returned (deduplicated per UTC day) and a user
    # lookup $0.010 (docs.x.com, "pricing", 2026); a collection pass shows the month's estimate and X reading can
    # be switched off. public_metrics' own names:
    metric_names = ("impression_count", "like_count", "reply_count", "retweet_count", "quote_count", "bookmark_count")
    read_batch_size = 100  # GET /2/tweets takes at most 100 ids
    read_cost_usd = 0.005
    api_version = "2"

    def url(self, path: str) -> str:
        return f"{self.config.api_base.rstrip('/')}/{path.lstrip('/')}"

    def request(self, method: str, path: str, *, params: dict[str, str] | None = None, **kwargs: Any) -> HttpRequest:
        url = self.url(path)
        headers = {"Authorization": self._authorization(method, url, params or {})}
        return HttpRequest(method, url, params=params or {}, headers=headers, **kwargs)

    def _authorization(self, method: str, url: str, params: dict[str, str]) -> str:
        cfg = self.config
        if cfg.bearer_token is not None and cfg.bearer_token.get_secret_value():
            return f"Bearer {cfg.bearer_token.get_secret_value()}"
        client = Client(
            reveal(cfg.consumer_key),
            client_secret=reveal(cfg.consumer_secret),
            resource_owner_key=reveal(cfg.access_token),
            resource_owner_secret=reveal(cfg.access_token_secret),
        )
        signed_url = f"{url}?{urlencode(params)}" if params else url
        _, headers, _ = client.sign(signed_url, http_method=method)
        return headers["Authorization"]

    def classify(self, response: HttpResponse, *, publishing: bool) -> PublishResult:
        body = response.json_or_none()
        detail = _problem_detail(body) or ""
        if response.status == 403 and "duplicate" in detail.lower():
            return PublishResult.failed(Outcome.DUPLICATE, f"X: already posted (duplicate content): {detail}")
        if response.status in (401, 403):
            return PublishResult.failed(
                Outcome.AUTH,
                f"X: credentials refused (HTTP {response.status}, auth) — check PUBLISHER_X__BEARER_TOKEN or the "
                f"OAuth 1.0a token pair: {detail or 'no detail'}",
            )
        wait = seconds_until_epoch(response.header("x-rate-limit-reset")) if response.status == 429 else None
        return classify_status(response, self.label, publishing=publishing, detail=detail, retry_after=wait)

    def _publish(self, item: Outgoing) -> PublishResult:
        upload = self.send_json(
            self.request(
                "POST",
                "2/media/upload",
                data={"media_category": "tweet_image"},
                files={"media": (self.filename_of(item), item.image, self.mime_of(item))},
            )
        )
        media_id = str((upload.get("data") or {}).get("id") or upload.get("media_id_string") or "")
        if not media_id:
            raise self.unexpected("no media id from /2/media/upload", publishing=False)
        if item.alt:
            metadata = {"id": media_id, "metadata": {"alt_text": {"text": item.alt}}}
            self.send(self.request("POST", "2/media/metadata", json=metadata))
        self.note_start(item)
        tweet = {"text": item.caption, "media": {"media_ids": [media_id]}}
        body = self.send_json(self.request("POST", "2/tweets", json=tweet), publishing=True)
        tweet_id = str((body.get("data") or {}).get("id") or "")
        if not tweet_id:
            raise self.unexpected("no id from /2/tweets", publishing=True)
        return PublishResult.published(tweet_id, permalink(tweet_id))

    def _reconcile(self, item: Outgoing) -> PublishResult | None:
        me = self.send_json(self.request("GET", "2/users/me"))["data"]["id"]
        recent = self.send_json(self.request("GET", f"2/users/{me}/tweets", params={"max_results": "20"}))
        wanted = _comparable(item.caption)
        for tweet in recent.get("data") or []:
            if isinstance(tweet, dict) and _comparable(tweet.get("text", "")) == wanted:
                return PublishResult.published(str(tweet["id"]), permalink(str(tweet["id"])))
        return None

    def _delete(self, remote_id: str) -> DeleteResult:
        body = self.send_json(self.request("DELETE", f"2/tweets/{remote_id}"))
        if (body.get("data") or {}).get("deleted") is True:
            return DeleteResult(True, f"X: deleted post {remote_id}")
        return DeleteResult(False, f"X: post {remote_id} was not deleted; delete it by hand at {permalink(remote_id)}")

    def _read_metrics(self, batch: list[str]) -> list[MetricSnapshot]:
        params = {"ids": ",".join(batch), "tweet.fields": "public_metrics"}
        body = self.send_json(self.request("GET", "2/tweets", params=params))
        # Ids X cannot return (deleted, protected) come back under "errors", not "data": all their metrics missing.
        found = {str(t.get("id")): t for t in body.get("data") or [] if isinstance(t, dict)}
        return [self.snapshot(i, (found.get(i) or {}).get("public_metrics") or {}) for i in batch]

    def _read_replies(self, remote_id: str) -> list[Reply]:
        me = self._own_id()
        params = {
            "query": f"conversation_id:{remote_id}",
            "tweet.fields": "author_id,created_at,conversation_id",
            "expansions": "author_id",
            "user.fields": "username",
            "max_results": "100",
        }
        body = self.send_json(self.request("GET", "2/tweets/search/recent", params=params))
        users = {str(u.get("id")): u.get("username") for u in (body.get("includes") or {}).get("users") or []}
        replies = []
        for tweet in body.get("data") or []:
            author = str(tweet.get("author_id", ""))
            handle = users.get(author)
            link = f"https://x.com/{handle}/status/{tweet['id']}" if handle else permalink(str(tweet["id"]))
            created = parse_api_time(tweet.get("created_at"))
            replies.append(Reply(self.name, remote_id, str(tweet["id"]), handle, html.unescape(tweet.get("text", "")),
                                 created, link, from_office=author == me))  # fmt: skip
        return replies

    def _own_id(self) -> str:
        if not getattr(self, "_me", None):
            self._me = str(self.send_json(self.request("GET", "2/users/me"))["data"]["id"])
        return self._me

    def _check_credentials(self) -> CredentialCheck:
        user = self.send_json(self.request("GET", "2/users/me"))["data"]
        return CredentialCheck(True, f"X: credentials work for @{user.get('username', '?')} ({user.get('id')})")


def permalink(tweet_id: str) -> str:
    return f"https://x.com/i/web/status/{tweet_id}"


def _problem_detail(body: object) -> str | None:
    if not isinstance(body, dict):
        return None
    if body.get("detail"):
        return str(body["detail"])
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return str(errors[0].get("detail") or errors[0].get("message") or "")
    return str(body.get("title") or "") or None


def _comparable(text: str) -> str:
    """Text with links removed and whitespace collapsed: X returns every link rewritten as t.co."""
    text = html.unescape(text)  # X answers with &amp; and friends escaped
    return " ".join(re.sub(r"https?://\S+", " ", URL_PATTERN.sub(" ", text)).split())
