"""Bluesky (AT Protocol): blob upload, then an ``app.bsky.feed.post`` record.

    POST {base}/xrpc/com.atproto.server.createSession   {identifier, password} -> {accessJwt, refreshJwt, did, handle}
    POST {base}/xrpc/com.atproto.server.refreshSession  Bearer refreshJwt, when the access token has expired
    POST {base}/xrpc/com.atproto.repo.uploadBlob        raw bytes + Content-Type (<= 1,000,000 bytes) -> {blob}
    POST {base}/xrpc/com.atproto.repo.createRecord      {repo, collection, rkey, record} -> {uri, cid}
    GET  {base}/xrpc/com.atproto.repo.getRecord         reconcile: does the record with our rkey exist?
    GET  {base}/xrpc/com.atproto.repo.listRecords       reconcile without an rkey: recent posts by text
    POST {base}/xrpc/com.atproto.repo.deleteRecord      retract
    GET  {base}/xrpc/com.atproto.server.getSession      doctor
    GET  {base}/xrpc/app.bsky.feed.getPosts             reading: up to 25 uris per call (the PDS proxies it)
    GET  {base}/xrpc/app.bsky.feed.getPostThread        reading: the replies, nested

One session per handle and PDS per process (``_sessions``), refreshed on ExpiredToken rather than logging in for
every post — createSession is rate limited far more tightly than posting.

The record key is ours to choose, and it makes a retry safe. ``app.bsky.feed.post`` records are keyed by a TID
(the lexicon's ``"key": "tid"``; atproto.com/specs/record-key): :func:`record_key` takes the first attempt's time
and a clock id derived from the target's idempotency key; it is reported through ``on_progress`` as ``rkey``
before anything is sent, the ledger keeps it, and every later attempt of the target reuses it. A repo holds one
record per key, so a create under a key that exists fails — the PDS answers 500 InternalServerError today
(bluesky-social/atproto#3718, #4725; indigo#873) — and never makes a second post. Hence: after a lost answer,
``com.atproto.repo.getRecord`` for the key finds the post (published) or answers RecordNotFound, and then the
post is created again under the same key, a bounded number of times; a create that fails is looked up the same way.
Links and hashtags become facets with UTF-8 byte offsets, as the lexicon requires.
Errors: ``{"error", "message"}``; expired tokens come as 400 (or 401) ExpiredToken; 429 waits for
``ratelimit-reset`` (epoch seconds).
"""

from __future__ import annotations

import hashlib
import io
import threading
import time
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlencode

import regex
from PIL import Image

from publisher.adapters.base import Adapter, CardSpec, CredentialCheck, DeleteResult, Failed, Outgoing
from publisher.adapters.failures import classify_status, seconds_until_epoch
from publisher.adapters.reads import MetricSnapshot, Reply, parse_api_time
from publisher.adapters.results import Outcome, PublishResult
from publisher.adapters.transport.base import HttpRequest, HttpResponse
from publisher.infra.settings import BlueskySettings, reveal
from publisher.text.counting import URL_PATTERN, Counting

POST_COLLECTION = "app.bsky.feed.post"
MAX_BLOB_BYTES = 1_000_000
HASHTAG = regex.compile(r"(?<![\w#])#([\p{L}\p{N}_]*\p{L}[\p{L}\p{N}_]*)")
TOKEN_ERRORS = {"ExpiredToken", "InvalidToken", "AuthenticationRequired"}
THREAD_DEPTH = "10"  # reply levels getPostThread returns (its default is 6, its maximum 1000)
THREAD_VIEW = "app.bsky.feed.defs#threadViewPost"  # the others (notFoundPost, blockedPost) carry no reply


class BlueskyAdapter(Adapter):
    config: BlueskySettings  # what build_adapter hands this platform
    name = "bluesky"
    label = "Bluesky"
    max_chars = 300
    counting = Counting.GRAPHEMES
    card = CardSpec(1200, 675, "JPEG", 1_000_000)  # uploadBlob refuses images over 1,000,000 bytes
    image_formats = ("JPEG", "PNG")
    supports_alt_text = True
    max_alt_chars = 2000
    can_delete = True
    # Waits before each new create under the same record key, once getRecord has found nothing there.
    resend_delays: tuple[float, ...] = (1, 3, 6)

    # Reading: a postView's own counters, under the lexicon's names (app.bsky.feed.defs#postView).
    metric_names = ("likeCount", "repostCount", "replyCount", "quoteCount")
    read_batch_size = 25  # app.bsky.feed.getPosts: uris maxLength 25
    api_version = "app.bsky.feed.getPosts"

    # (transport kind, api_base, handle) -> session; shared by every adapter instance of this process.
    _sessions: ClassVar[dict[tuple[str, str, str], dict[str, Any]]] = {}
    _sessions_lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def forget_sessions(cls) -> None:
        with cls._sessions_lock:
            cls._sessions.clear()

    def url(self, nsid: str) -> str:
        return f"{self.config.api_base.rstrip('/')}/xrpc/{nsid}"

    # --- session -------------------------------------------------------------------------------------------------

    @property
    def _key(self) -> tuple[str, str, str]:
        # The transport is part of the key: a dry run's made-up session must never be offered to the real PDS.
        return (type(self.transport).__name__, self.config.api_base.rstrip("/"), str(self.config.handle))

    def session(self) -> dict[str, Any]:
        with self._sessions_lock:
            current = self._sessions.get(self._key)
        return current or self._login()

    def _login(self) -> dict[str, Any]:
        credentials = {"identifier": self.config.handle, "password": reveal(self.config.app_password)}
        session = self.send_json(HttpRequest("POST", self.url("com.atproto.server.createSession"), json=credentials))
        return self._keep(session)

    def _refresh(self, stale: dict[str, Any]) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {stale['refreshJwt']}"}
        try:
            session = self.send_json(
                HttpRequest("POST", self.url("com.atproto.server.refreshSession"), headers=headers)
            )
        except Failed as failure:
            if failure.result.outcome is not Outcome.AUTH:
                raise
            return self._login()  # the refresh token has expired too (after ~60 days): log in again
        return self._keep({**stale, **session})

    def _keep(self, session: dict[str, Any]) -> dict[str, Any]:
        if not all(session.get(k) for k in ("accessJwt", "refreshJwt", "did")):
            raise self.unexpected("session without accessJwt/refreshJwt/did", publishing=False)
        with self._sessions_lock:
            self._sessions[self._key] = session
        return session

    def xrpc(self, method: str, nsid: str, *, publishing: bool = False, **kwargs: Any) -> Any:
        """Call with the session's access token; on an expired token refresh once and repeat — the first call was
        refused before it did anything, so repeating even createRecord is safe."""
        session = self.session()
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {session['accessJwt']}", **kwargs.pop("headers", {})}
            request = HttpRequest(method, self.url(nsid), headers=headers, **kwargs)
            try:
                return self.send_json(request, publishing=publishing)
            except Failed as failure:
                if attempt == 2 or failure.result.outcome is not Outcome.AUTH:
                    raise
                session = self._refresh(session)
                kwargs["headers"] = {k: v for k, v in headers.items() if k != "Authorization"}
        raise AssertionError("unreachable")

    def classify(self, response: HttpResponse, *, publishing: bool) -> PublishResult:
        body = response.json_or_none()
        error = str(body.get("error", "")) if isinstance(body, dict) else ""
        message = str(body.get("message", "")) if isinstance(body, dict) else ""
        detail = f"{error}: {message}".strip(": ")
        if error in TOKEN_ERRORS or response.status == 401:
            return PublishResult.failed(
                Outcome.AUTH,
                f"Bluesky: session or app password refused (auth, {detail or response.status}) — check "
                "PUBLISHER_BLUESKY__HANDLE and PUBLISHER_BLUESKY__APP_PASSWORD",
            )
        wait = seconds_until_epoch(response.header("ratelimit-reset")) if response.status == 429 else None
        return classify_status(response, self.label, publishing=publishing, detail=detail, retry_after=wait)

    # --- publishing ----------------------------------------------------------------------------------------------

    def _publish(self, item: Outgoing) -> PublishResult:
        if len(item.image) > MAX_BLOB_BYTES:
            raise self.invalid(f"image is {len(item.image):,} bytes; uploadBlob takes at most {MAX_BLOB_BYTES:,}")
        session = self.session()
        rkey = item.progress.get("rkey") or record_key(item.idempotency_key, time.time())
        self.note(item, "rkey", rkey)
        uploaded = self.xrpc(
            "POST",
            "com.atproto.repo.uploadBlob",
            content=item.image,
            headers={"Content-Type": self.mime_of(item)},
        )
        if "blob" not in uploaded:
            raise self.unexpected("uploadBlob gave no blob", publishing=False)
        self.note_start(item)
        record = build_post_record(item.caption, uploaded["blob"], item.alt or "", _image_size(item.image))
        try:
            created = self.xrpc(
                "POST",
                "com.atproto.repo.createRecord",
                publishing=True,
                json={"repo": session["did"], "collection": POST_COLLECTION, "rkey": rkey, "record": record},
            )
        except Failed as failure:
            return self._made_after_all(rkey, failure)
        uri = str(created.get("uri") or "")
        if not uri:
            raise self.unexpected("createRecord gave no uri", publishing=True)
        return PublishResult.published(uri, self.permalink(uri))

    def permalink(self, uri: str) -> str:
        handle = self.session().get("handle") or self.config.handle
        return f"https://bsky.app/profile/{handle}/post/{uri.rsplit('/', 1)[-1]}"

    def _made_after_all(self, rkey: str, failure: Failed) -> PublishResult:
        """A failed or lost create: the record under our key, when it is there (made by this create or an earlier
        one — a create under an existing key is refused with a 500); otherwise the create's own failure."""
        if failure.result.outcome in (Outcome.AUTH, Outcome.RETRY_AFTER):
            raise failure  # refused before the repo was touched
        try:
            found = self._record_at(rkey)
        except Failed:
            raise failure from None  # the lookup failed too: the create's outcome is what we know
        if found is None:
            raise failure
        return found

    def _record_at(self, rkey: str) -> PublishResult | None:
        """com.atproto.repo.getRecord for our key: the post, or None on RecordNotFound (a 400, per the lexicon)."""
        params = {"repo": self.session()["did"], "collection": POST_COLLECTION, "rkey": rkey}
        try:
            found = self.xrpc("GET", "com.atproto.repo.getRecord", params=params)
        except Failed as failure:
            if failure.result.outcome is not Outcome.INVALID:
                raise
            return None
        return PublishResult.published(found["uri"], self.permalink(found["uri"]))

    def _reconcile(self, item: Outgoing) -> PublishResult | None:
        rkey = item.progress.get("rkey")
        if not rkey:
            return self._find_by_text(item)
        found = self._record_at(rkey)
        if found is not None:
            return found
        for delay in self.resend_delays:  # absent: create it under the same key, which can never make two
            self.sleep(delay)
            result = self.publish(item)
            if result.outcome not in (Outcome.UNKNOWN_OUTCOME, Outcome.TRANSIENT):
                return result
        return PublishResult.failed(
            Outcome.TRANSIENT, f"Bluesky: record {rkey} is not there; a retry creates it under the same key"
        )

    def _find_by_text(self, item: Outgoing) -> PublishResult | None:
        """Without a record key (a send that crashed before choosing one): the recent posts, by text."""
        params = {"repo": self.session()["did"], "collection": POST_COLLECTION, "limit": "25"}
        listed = self.xrpc("GET", "com.atproto.repo.listRecords", params=params)
        for entry in listed.get("records") or []:
            if (entry.get("value") or {}).get("text") == item.caption:
                return PublishResult.published(entry["uri"], self.permalink(entry["uri"]))
        return None

    def _delete(self, remote_id: str) -> DeleteResult:
        repo, collection, rkey = remote_id.removeprefix("at://").split("/")
        self.xrpc("POST", "com.atproto.repo.deleteRecord", json={"repo": repo, "collection": collection, "rkey": rkey})
        return DeleteResult(True, f"Bluesky: deleted {remote_id}")

    def _read_metrics(self, batch: list[str]) -> list[MetricSnapshot]:
        query = urlencode([("uris", uri) for uri in batch])
        body = self.xrpc("GET", f"app.bsky.feed.getPosts?{query}")
        found = {str(p.get("uri")): p for p in body.get("posts") or [] if isinstance(p, dict)}
        return [self.snapshot(uri, found.get(uri) or {}) for uri in batch]

    def _read_replies(self, remote_id: str) -> list[Reply]:
        did = self.session()["did"]
        body = self.xrpc("GET", "app.bsky.feed.getPostThread", params={"uri": remote_id, "depth": THREAD_DEPTH})
        replies: list[Reply] = []
        pending = list((body.get("thread") or {}).get("replies") or [])
        while pending:
            node = pending.pop(0)
            if not isinstance(node, dict) or node.get("$type", THREAD_VIEW) != THREAD_VIEW:
                continue
            post = node.get("post") or {}
            author, record = post.get("author") or {}, post.get("record") or {}
            handle = author.get("handle")
            rkey = str(post.get("uri", "")).rsplit("/", 1)[-1]
            link = f"https://bsky.app/profile/{handle or author.get('did')}/post/{rkey}"
            replies.append(
                Reply(self.name, remote_id, str(post.get("uri", "")), handle, str(record.get("text") or ""),
                      parse_api_time(record.get("createdAt")), link, from_office=author.get("did") == did)
            )  # fmt: skip
            pending.extend(node.get("replies") or [])
        return replies

    def _check_credentials(self) -> CredentialCheck:
        me = self.xrpc("GET", "com.atproto.server.getSession")
        return CredentialCheck(True, f"Bluesky: app password works for @{me.get('handle', '?')} ({me.get('did')})")


def build_post_record(text: str, blob: dict[str, Any], alt: str, size: tuple[int, int] | None) -> dict[str, Any]:
    image: dict[str, Any] = {"alt": alt, "image": blob}
    if size:
        image["aspectRatio"] = {"width": size[0], "height": size[1]}
    record: dict[str, Any] = {
        "$type": POST_COLLECTION,
        "text": text,
        "createdAt": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "langs": ["id"],
        "embed": {"$type": "app.bsky.embed.images", "images": [image]},
    }
    facets = build_facets(text)
    if facets:
        record["facets"] = facets
    return record


def build_facets(text: str) -> list[dict[str, Any]]:
    """Link and hashtag facets. Offsets count UTF-8 bytes, not characters: "Layanan é https://…" puts the link
    one byte later than its character index."""

    def byte_slice(start: int, end: int) -> dict[str, int]:
        return {"byteStart": len(text[:start].encode()), "byteEnd": len(text[:end].encode())}

    facets: list[dict[str, Any]] = []
    links: list[tuple[int, int]] = []
    for match in URL_PATTERN.finditer(text):
        links.append(match.span())
        facets.append(
            {
                "index": byte_slice(*match.span()),
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": match[0]}],
            }
        )
    for match in HASHTAG.finditer(text):
        if any(s <= match.start() < e for s, e in links):
            continue  # a "#fragment" inside a link is part of the link
        facets.append(
            {
                "index": byte_slice(match.start(), match.end()),
                "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": match[1]}],
            }
        )
    return sorted(facets, key=lambda f: f["index"]["byteStart"])


def _image_size(image: bytes) -> tuple[int, int] | None:
    try:
        with Image.open(io.BytesIO(image)) as img:
            return img.size
    except OSError:
        return None


_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"  # base32-sortable (atproto.com/specs/tid)


def record_key(idempotency_key: str, at: float) -> str:
    """A TID for a post: 53 bits of microseconds since 1970 (``at``, the first attempt's time, as the spec wants a
    TID to name its record's creation) and a 10-bit clock id taken from the idempotency key, not at random."""
    clock_id = int.from_bytes(hashlib.sha256(idempotency_key.encode()).digest()[:2], "big") & 0x3FF
    value = (int(at * 1_000_000) << 10) | clock_id
    chars = []
    for _ in range(13):
        chars.append(_TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))
