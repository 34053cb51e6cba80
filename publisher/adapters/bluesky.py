"""Bluesky (AT Protocol): blob upload, then an ``app.bsky.feed.post`` record.

    POST {base}/xrpc/com.atproto.server.createSession   {identifier, password} -> {accessJwt, refreshJwt, did, handle}
    POST {base}/xrpc/com.atproto.server.refreshSession  Bearer refreshJwt, when the access token has expired
    POST {base}/xrpc/com.atproto.repo.uploadBlob        raw bytes + Content-Type (<= 1,000,000 bytes) -> {blob}
    POST {base}/xrpc/com.atproto.repo.createRecord      {repo, collection, rkey, record} -> {uri, cid}
    GET  {base}/xrpc/com.atproto.repo.getRecord         reconcile: does the record with our rkey exist?
    GET  {base}/xrpc/com.atproto.repo.listRecords       reconcile without an rkey: recent posts by text
    POST {base}/xrpc/com.atproto.repo.deleteRecord      retract
    GET  {base}/xrpc/com.atproto.server.getSession      doctor

One session per handle and PDS per process (``_sessions``), refreshed on ExpiredToken rather than logging in for
every post — createSession is rate limited far more tightly than posting. The record key (a TID) is chosen here
and reported through ``on_progress`` as ``rkey`` before createRecord, so reconcile can look the record up exactly.
Links and hashtags become facets with UTF-8 byte offsets, as the lexicon requires.
Errors: ``{"error", "message"}``; expired tokens come as 400 (or 401) ExpiredToken; 429 waits for
``ratelimit-reset`` (epoch seconds).
"""

from __future__ import annotations

import io
import random
import threading
import time
from datetime import UTC, datetime
from typing import Any, ClassVar

import regex
from PIL import Image

from publisher.adapters.base import Adapter, CardSpec, CredentialCheck, DeleteResult, Failed, Outgoing
from publisher.adapters.failures import classify_status, seconds_until_epoch
from publisher.adapters.results import Outcome, PublishResult
from publisher.adapters.transport.base import HttpRequest, HttpResponse
from publisher.infra.settings import BlueskySettings, reveal
from publisher.text.counting import URL_PATTERN, Counting

POST_COLLECTION = "app.bsky.feed.post"
MAX_BLOB_BYTES = 1_000_000
HASHTAG = regex.compile(r"(?<![\w#])#([\p{L}\p{N}_]*\p{L}[\p{L}\p{N}_]*)")
TOKEN_ERRORS = {"ExpiredToken", "InvalidToken", "AuthenticationRequired"}


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
        uploaded = self.xrpc(
            "POST",
            "com.atproto.repo.uploadBlob",
            content=item.image,
            headers={"Content-Type": self.mime_of(item)},
        )
        if "blob" not in uploaded:
            raise self.unexpected("uploadBlob gave no blob", publishing=False)
        rkey = new_tid()
        self.note(item, "rkey", rkey)
        self.note_start(item)
        record = build_post_record(item.caption, uploaded["blob"], item.alt or "", _image_size(item.image))
        created = self.xrpc(
            "POST",
            "com.atproto.repo.createRecord",
            publishing=True,
            json={"repo": session["did"], "collection": POST_COLLECTION, "rkey": rkey, "record": record},
        )
        uri = str(created.get("uri") or "")
        if not uri:
            raise self.unexpected("createRecord gave no uri", publishing=True)
        return PublishResult.published(uri, self.permalink(uri))

    def permalink(self, uri: str) -> str:
        handle = self.session().get("handle") or self.config.handle
        return f"https://bsky.app/profile/{handle}/post/{uri.rsplit('/', 1)[-1]}"

    def _reconcile(self, item: Outgoing) -> PublishResult | None:
        did = self.session()["did"]
        rkey = item.progress.get("rkey")
        if rkey:
            params = {"repo": did, "collection": POST_COLLECTION, "rkey": rkey}
            try:
                found = self.xrpc("GET", "com.atproto.repo.getRecord", params=params)
            except Failed as failure:
                if failure.result.outcome is not Outcome.INVALID:  # RecordNotFound is a 400
                    raise
                return PublishResult.failed(
                    Outcome.TRANSIENT, f"Bluesky: record {rkey} does not exist; it was never published"
                )
            return PublishResult.published(found["uri"], self.permalink(found["uri"]))
        params = {"repo": did, "collection": POST_COLLECTION, "limit": "25"}
        listed = self.xrpc("GET", "com.atproto.repo.listRecords", params=params)
        for entry in listed.get("records") or []:
            if (entry.get("value") or {}).get("text") == item.caption:
                return PublishResult.published(entry["uri"], self.permalink(entry["uri"]))
        return None

    def _delete(self, remote_id: str) -> DeleteResult:
        repo, collection, rkey = remote_id.removeprefix("at://").split("/")
        self.xrpc("POST", "com.atproto.repo.deleteRecord", json={"repo": repo, "collection": collection, "rkey": rkey})
        return DeleteResult(True, f"Bluesky: deleted {remote_id}")

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


_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


def new_tid() -> str:
    """A record key in the TID format: 53 bits of microseconds since 1970, 10 bits of clock id, base32-sortable."""
    value = (int(time.time() * 1_000_000) << 10) | random.getrandbits(10)
    chars = []
    for _ in range(13):
        chars.append(_TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))
