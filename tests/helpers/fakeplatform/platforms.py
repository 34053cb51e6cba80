"""The seven fake APIs: documented paths, request validation, success and error shapes.

Each class answers ``authorized``, ``auth_error``, ``fault_reply`` (the platform's own 429/5xx/auth shapes),
``invalid`` and ``handle``; ``published`` lists every accepted publication with the decoded image's format and
size and the alt text, which is what the tests assert on.
"""

from __future__ import annotations

import itertools
import re
import time
import urllib.request
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any
from urllib.parse import unquote, urlsplit

from .server import FakePlatform, Fault, ImageInfo, Reply, Request, inspect_image

TOKENS = {
    "facebook": "fb-page-token-SECRET",
    "instagram": "ig-token-SECRET",
    "threads": "th-token-SECRET",
    "x_bearer": "x-bearer-SECRET",
    "x_consumer_key": "x-ck-SECRET",
    "x_consumer_secret": "x-cs-SECRET",
    "x_access_token": "x-at-SECRET",
    "x_access_token_secret": "x-ats-SECRET",
    "telegram": "123456:tg-bot-SECRET",
    "mastodon": "masto-token-SECRET",
    "bluesky_password": "bsky-app-pass-SECRET",
}
PAGE_ID, IG_USER, THREADS_USER = "1001", "17841400000", "2002"
BSKY_HANDLE, BSKY_DID = "imigrasi-bs.bsky.social", "did:plc:fakeimigrasi"
TG_CHANNEL = "@imigrasi_bs"
RECORD_KEY = re.compile(r"[A-Za-z0-9._:~-]{1,512}")  # atproto.com/specs/record-key


@dataclass
class Publication:
    remote_id: str
    text: str
    image: ImageInfo
    alt: str | None
    extra: dict[str, Any] = field(default_factory=dict)


class FakeApi:
    version_prefix = ""
    name = ""

    def __init__(self, fake: FakePlatform) -> None:
        self.fake = fake
        self.revoked = False
        self.published: list[Publication] = []
        self.ids = itertools.count(500)

    def next_id(self) -> str:
        return str(next(self.ids))

    def authorized(self, request: Request) -> bool:
        return not self.revoked

    def auth_error(self, request: Request) -> Reply:
        return Reply(401, {"error": "unauthorized"})

    def invalid(self, message: str) -> Reply:
        return Reply(400, {"error": message})

    def fault_reply(self, fault: Fault) -> Reply:
        if fault.kind == "auth":
            return self.auth_error(Request("POST", "", {}, {}, b""))
        if fault.kind == "bad_gateway":
            return Reply(502, b"<html><body>502 Bad Gateway</body></html>")
        if fault.kind == "server_error":
            return Reply(fault.status, {"error": "Internal server error"})
        return self.rate_limited(fault.retry_after)

    def rate_limited(self, seconds: int) -> Reply:
        return Reply(429, {"error": "Too Many Requests"}, {"Retry-After": str(seconds)})

    def handle(self, request: Request) -> Reply:
        raise NotImplementedError


# --- Meta Graph: Facebook, Instagram, Threads -------------------------------------------------------------------


class GraphApi(FakeApi):
    token = ""

    def authorized(self, request: Request) -> bool:
        given = request.field("access_token") or request.bearer()
        return not self.revoked and given == self.token

    @staticmethod
    def error(code: int, message: str, status: int = 400, subcode: int | None = None, **extra: Any) -> Reply:
        error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbCdEf123"}
        if subcode:
            error["error_subcode"] = subcode
        return Reply(status, {"error": {**error, **extra}})

    def auth_error(self, request: Request) -> Reply:
        return self.error(190, "Error validating access token: Session has expired", subcode=463)

    def invalid(self, message: str) -> Reply:
        return self.error(100, f"Invalid parameter: {message}")

    def fault_reply(self, fault: Fault) -> Reply:
        if fault.kind == "server_error":
            return self.error(2, "Service temporarily unavailable", status=fault.status, is_transient=True)
        return super().fault_reply(fault)

    def rate_limited(self, seconds: int) -> Reply:
        usage = {PAGE_ID: [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": seconds // 60}]}
        reply = self.error(4, "Application request limit reached", status=403)
        reply.headers["X-Business-Use-Case-Usage"] = _json(usage)
        return reply

    def segments(self, request: Request) -> list[str]:
        return [s for s in request.path.split("/") if s]


class FacebookApi(GraphApi):
    name, version_prefix, token = "facebook", "/v24.0", TOKENS["facebook"]

    def handle(self, request: Request) -> Reply:
        parts = self.segments(request)
        if request.method == "POST" and parts == [PAGE_ID, "photos"]:
            message = request.form.get("message", "")
            if "source" not in request.files:
                raise ValueError("source (the image) is required")
            image = inspect_image(request.files["source"][1])
            if any(p.text == message for p in self.published):
                return self.error(506, "Duplicate status message")
            n = self.next_id()
            post_id = f"{PAGE_ID}_{n}"
            self.published.append(Publication(post_id, message, image, request.form.get("alt_text_custom")))
            return Reply(200, {"id": n, "post_id": post_id})
        if request.method == "GET" and parts == [PAGE_ID, "posts"]:
            return Reply(200, {"data": [{"id": p.remote_id, "message": p.text} for p in reversed(self.published)]})
        if request.method == "GET" and parts == [PAGE_ID]:
            return Reply(200, {"id": PAGE_ID, "name": "Kantor Imigrasi Bengkulu Selatan"})
        if len(parts) == 1 and (post := self._find(parts[0])):
            if request.method == "DELETE":
                self.published.remove(post)
                return Reply(200, {"success": True})
            return Reply(200, {"id": post.remote_id, "permalink_url": f"https://www.facebook.com/{post.remote_id}"})
        return self.error(100, "Unsupported request - object does not exist", subcode=33)

    def _find(self, post_id: str) -> Publication | None:
        return next((p for p in self.published if p.remote_id == post_id), None)


class ContainerApi(GraphApi):
    """Instagram and Threads: containers fetch ``image_url`` over HTTP; IN_PROGRESS on the first poll.

    A container's status goes IN_PROGRESS → FINISHED ("ready to be published") → PUBLISHED ("the container's media
    object has been published"), or ERROR / EXPIRED (developers.facebook.com/docs/instagram-platform/
    instagram-graph-api/reference/ig-container; Threads' /{container}?fields=status has the same values), and a
    container is published once: a second media_publish of it is refused."""

    user = ""
    container_edge = publish_edge = status_field = text_field = error_field = ""

    def __init__(self, fake: FakePlatform) -> None:
        super().__init__(fake)
        self.containers: dict[str, dict[str, Any]] = {}
        self.next_container_error: str | None = None  # set to make the next container end in ERROR with this
        self.unreadable_after_publish = False  # set: containers answer a Graph error once a publish was asked
        self.media_list_lags = False  # set: the account's media list does not show new posts yet

    def container_fields(self, request: Request) -> tuple[str, str | None]:
        raise NotImplementedError

    def handle(self, request: Request) -> Reply:
        parts = self.segments(request)
        if request.method == "POST" and parts == [self.user, self.container_edge]:
            return self._create(request)
        if request.method == "POST" and parts == [self.user, self.publish_edge]:
            return self._publish(request.field("creation_id") or "")
        if request.method == "GET" and parts == [self.user, self.container_edge]:
            shown = [] if self.media_list_lags else self.published
            posts = [{"id": p.remote_id, self.text_field: p.text} for p in reversed(shown)]
            return Reply(200, {"data": posts})
        if request.method == "GET" and parts == [self.user]:
            return Reply(200, {"id": self.user, "username": "imigrasi.bengkulu.selatan"})
        if len(parts) == 1 and parts[0] in self.containers:
            if self.unreadable_after_publish and self.fake.calls(self.name, self.publish_edge):
                return self.error(2, "Service temporarily unavailable", status=503, is_transient=True)
            container = self.containers[parts[0]]
            if container["status"] == "IN_PROGRESS" and container["polls"] >= 1:
                container["status"] = "ERROR" if container["error"] else "FINISHED"
            container["polls"] += 1
            reply = {"id": parts[0], self.status_field: container["status"]}
            if container["status"] == "ERROR":
                reply[self.error_field] = container["error"]
            return Reply(200, reply)
        if len(parts) == 1 and (post := next((p for p in self.published if p.remote_id == parts[0]), None)):
            if request.method == "DELETE":
                self.published.remove(post)
                return Reply(200, {"success": True})
            return Reply(200, {"id": post.remote_id, "permalink": f"https://example.invalid/{self.name}/{parts[0]}"})
        return self.error(100, "Unsupported request - object does not exist", subcode=33)

    def _create(self, request: Request) -> Reply:
        image_url = request.field("image_url") or ""
        if urlsplit(image_url).hostname != "127.0.0.1":  # the fake never reaches beyond loopback
            return self.error(9004, "Only photo or video can be accepted as media type.", subcode=2207052)
        try:
            with urllib.request.urlopen(image_url, timeout=5) as response:
                image = inspect_image(response.read())
        except (OSError, ValueError):
            return self.error(9004, "The media could not be fetched from this uri.", subcode=2207052)
        text, alt = self.container_fields(request)
        container_id = self.next_id()
        self.containers[container_id] = {
            "status": "IN_PROGRESS",
            "polls": 0,
            "image": image,
            "text": text,
            "alt": alt,
            "error": self.next_container_error,
        }
        self.next_container_error = None
        return Reply(200, {"id": container_id})

    def _publish(self, container_id: str) -> Reply:
        container = self.containers.get(container_id)
        if container is None:
            return self.error(100, "Invalid parameter: creation_id")
        if container["status"] == "PUBLISHED":  # the real API refuses a second publish of one container
            return self.error(100, "The media has already been published", subcode=2207008)
        if container["status"] != "FINISHED":
            return self.error(9007, "Media ID is not available", subcode=2207027)
        container["status"] = "PUBLISHED"
        media_id = self.next_id()
        self.published.append(Publication(media_id, container["text"], container["image"], container["alt"]))
        return Reply(200, {"id": media_id})


class InstagramApi(ContainerApi):
    name, version_prefix, token, user = "instagram", "/v24.0", TOKENS["instagram"], IG_USER
    container_edge, publish_edge, status_field, text_field = "media", "media_publish", "status_code", "caption"
    error_field = "status"

    def container_fields(self, request: Request) -> tuple[str, str | None]:
        return request.field("caption") or "", request.field("alt_text")


class ThreadsApi(ContainerApi):
    name, version_prefix, token, user = "threads", "/v1.0", TOKENS["threads"], THREADS_USER
    container_edge, publish_edge, status_field, text_field = "threads", "threads_publish", "status", "text"
    error_field = "error_message"

    def container_fields(self, request: Request) -> tuple[str, str | None]:
        if request.field("media_type") != "IMAGE":
            raise ValueError("media_type must be IMAGE")
        return request.field("text") or "", request.field("alt_text")


# --- X --------------------------------------------------------------------------------------------------------


class XApi(FakeApi):
    name = "x"
    user_id = "42"

    def __init__(self, fake: FakePlatform) -> None:
        super().__init__(fake)
        self.media: dict[str, dict[str, Any]] = {}
        self.timeline_readable = True  # False: an access level without the user timeline (X's free tier)

    def authorized(self, request: Request) -> bool:
        if self.revoked:
            return False
        if request.bearer() is not None:
            return request.bearer() == TOKENS["x_bearer"]
        return _oauth1_valid(request)

    def auth_error(self, request: Request) -> Reply:
        return Reply(401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})

    def invalid(self, message: str) -> Reply:
        return Reply(400, {"title": "Invalid Request", "detail": message, "type": "about:blank", "status": 400})

    def rate_limited(self, seconds: int) -> Reply:
        import time

        reset = str(int(time.time()) + seconds)
        return Reply(429, {"title": "Too Many Requests", "detail": "Too Many Requests"}, {"x-rate-limit-reset": reset})

    def handle(self, request: Request) -> Reply:
        if request.method == "POST" and request.path == "/2/media/upload":
            if request.form.get("media_category") != "tweet_image" or "media" not in request.files:
                raise ValueError("media and media_category=tweet_image are required")
            image = inspect_image(request.files["media"][1])
            media_id = self.next_id()
            self.media[media_id] = {"image": image, "alt": None}
            return Reply(200, {"data": {"id": media_id, "media_key": f"3_{media_id}", "size": image.size}})
        if request.method == "POST" and request.path == "/2/media/metadata":
            body = request.json or {}
            if body.get("id") not in self.media:
                raise ValueError("unknown media id")
            self.media[body["id"]]["alt"] = body["metadata"]["alt_text"]["text"]
            return Reply(200, {"data": {"associated_metadata": True}})
        if request.method == "POST" and request.path == "/2/tweets":
            return self._tweet(request.json or {})
        if request.method == "GET" and request.path == "/2/users/me":
            return Reply(200, {"data": {"id": self.user_id, "name": "Imigrasi BS", "username": "imigrasi_bs"}})
        if request.method == "GET" and request.path == f"/2/users/{self.user_id}/tweets" and not self.timeline_readable:
            return Reply(403, CLIENT_NOT_ENROLLED)
        if request.method == "GET" and request.path == f"/2/users/{self.user_id}/tweets":
            # X rewrites every link to t.co and escapes HTML in the text it returns.
            data = [{"id": p.remote_id, "text": p.extra["returned_text"]} for p in reversed(self.published)]
            return Reply(200, {"data": data, "meta": {"result_count": len(data)}})
        if request.method == "DELETE" and request.path.startswith("/2/tweets/"):
            tweet_id = request.path.rsplit("/", 1)[-1]
            self.published = [p for p in self.published if p.remote_id != tweet_id]
            return Reply(200, {"data": {"deleted": True}})
        return Reply(404, {"title": "Not Found Error", "detail": f"no route {request.path}"})

    def _tweet(self, body: dict[str, Any]) -> Reply:
        text = body.get("text") or ""
        media_ids = (body.get("media") or {}).get("media_ids") or []
        if not text or any(m not in self.media for m in media_ids):
            raise ValueError("text and known media_ids are required")
        if any(p.text == text for p in self.published):
            detail = "You are not allowed to create a Tweet with duplicate content."
            return Reply(403, {"title": "Forbidden", "type": "about:blank", "status": 403, "detail": detail})

        tweet_id = self.next_id()
        media = self.media[media_ids[0]]
        returned = re.sub(r"https?://\S+", "https://t.co/abc123", text).replace("&", "&amp;") + " https://t.co/img"
        self.published.append(Publication(tweet_id, text, media["image"], media["alt"], {"returned_text": returned}))
        return Reply(201, {"data": {"id": tweet_id, "text": text}})


# What X answers an app whose access level does not include an endpoint (a "client-forbidden" problem).
CLIENT_NOT_ENROLLED = {
    "title": "Client Forbidden",
    "detail": "When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a "
    "Twitter developer App that is attached to a Project. You can create a project via the developer portal.",
    "type": "https://api.twitter.com/2/problems/client-forbidden",
    "reason": "client-not-enrolled",
    "required_enrollment": "Appropriate Level of API Access",
}


def _oauth1_valid(request: Request) -> bool:
    """Recompute the HMAC-SHA1 signature from the request as received: a wrong signature is a 401 on X too."""
    from oauthlib.oauth1.rfc5849 import signature, utils

    header = request.headers.get("authorization", "")
    if not header.startswith("OAuth "):
        return False
    oauth = dict(utils.parse_authorization_header(header))
    if (
        oauth.get("oauth_consumer_key") != TOKENS["x_consumer_key"]
        or oauth.get("oauth_token") != TOKENS["x_access_token"]
    ):
        return False
    query = urlsplit(request.full_url).query or "&".join(f"{k}={v}" for k, v in request.query.items())
    params = signature.collect_parameters(uri_query=query, headers={"Authorization": header})
    base = signature.signature_base_string(
        request.method, signature.base_string_uri(request.full_url), signature.normalize_parameters(params)
    )
    secrets = SimpleNamespace(
        client_secret=TOKENS["x_consumer_secret"], resource_owner_secret=TOKENS["x_access_token_secret"]
    )
    expected = signature.sign_hmac_sha1_with_client(base, secrets)
    return unquote(oauth.get("oauth_signature", "")) == expected


# --- Telegram ---------------------------------------------------------------------------------------------------


class TelegramApi(FakeApi):
    name = "telegram"

    def _split(self, request: Request) -> tuple[str, str]:
        _, bot, method = request.path.split("/", 2)
        return bot.removeprefix("bot"), method

    def authorized(self, request: Request) -> bool:
        return not self.revoked and self._split(request)[0] == TOKENS["telegram"]

    @staticmethod
    def error(code: int, description: str, **parameters: Any) -> Reply:
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if parameters:
            body["parameters"] = parameters
        return Reply(code, body)

    def auth_error(self, request: Request) -> Reply:
        return self.error(401, "Unauthorized")

    def invalid(self, message: str) -> Reply:
        return self.error(400, f"Bad Request: {message}")

    def rate_limited(self, seconds: int) -> Reply:
        return self.error(429, f"Too Many Requests: retry after {seconds}", retry_after=seconds)

    def fault_reply(self, fault: Fault) -> Reply:
        if fault.kind == "server_error":
            return self.error(fault.status, "Internal Server Error")
        return super().fault_reply(fault)

    def handle(self, request: Request) -> Reply:
        _, method = self._split(request)
        chat_id = request.field("chat_id")
        if method == "getMe":
            return Reply(200, {"ok": True, "result": {"id": 123456, "is_bot": True, "username": "imigrasi_bs_bot"}})
        if chat_id != TG_CHANNEL:
            return self.error(400, "Bad Request: chat not found")
        chat = {"id": -1001234567890, "type": "channel", "title": "Imigrasi BS", "username": TG_CHANNEL[1:]}
        if method == "getChat":
            return Reply(200, {"ok": True, "result": chat})
        if method == "sendPhoto":
            if "photo" not in request.files:
                raise ValueError("there is no photo in the request")
            image = inspect_image(request.files["photo"][1])
            message_id = self.next_id()
            self.published.append(Publication(message_id, request.field("caption") or "", image, None))
            return Reply(200, {"ok": True, "result": {"message_id": int(message_id), "chat": chat, "date": 0}})
        if method == "deleteMessage":
            message_id = request.field("message_id")
            post = next((p for p in self.published if p.remote_id == message_id), None)
            if post is None or post.extra.get("older_than_48h"):
                return self.error(400, "Bad Request: message can't be deleted")
            self.published.remove(post)
            return Reply(200, {"ok": True, "result": True})
        return self.error(404, "Not Found")


# --- Mastodon ---------------------------------------------------------------------------------------------------


class MastodonApi(FakeApi):
    """Idempotency as documented ("Idempotency keys are stored for up to 1 hour", docs.joinmastodon.org/methods/
    statuses/#create) and as the server does it (post_status_service.rb: ``redis.setex(idempotency_key, 3_600,
    @status.id)`` once the status is made, keyed per account): a repeat within the hour gets the same status."""

    name = "mastodon"
    account_id = "109000"
    key_ttl = 3_600.0

    def __init__(self, fake: FakePlatform) -> None:
        super().__init__(fake)
        self.media: dict[str, dict[str, Any]] = {}
        self.by_key: dict[str, tuple[dict[str, Any], float]] = {}  # key -> (status, when it was stored)

    def age_idempotency_keys(self, seconds: float) -> None:
        """As if ``seconds`` had passed since every key was stored (no test waits on a clock)."""
        self.by_key = {key: (status, stored - seconds) for key, (status, stored) in self.by_key.items()}

    def authorized(self, request: Request) -> bool:
        return not self.revoked and request.bearer() == TOKENS["mastodon"]

    def auth_error(self, request: Request) -> Reply:
        return Reply(401, {"error": "The access token is invalid"})

    def invalid(self, message: str) -> Reply:
        return Reply(422, {"error": f"Validation failed: {message}"})

    def rate_limited(self, seconds: int) -> Reply:
        from datetime import UTC, datetime, timedelta

        reset = (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat(timespec="milliseconds")
        return Reply(429, {"error": "Too many requests"}, {"X-RateLimit-Reset": reset.replace("+00:00", "Z")})

    def handle(self, request: Request) -> Reply:
        if request.method == "POST" and request.path == "/api/v2/media":
            if "file" not in request.files:
                raise ValueError("file is required")
            media_id = self.next_id()
            image = inspect_image(request.files["file"][1])
            self.media[media_id] = {"image": image, "alt": request.form.get("description"), "polls": 0}
            return Reply(
                202, {"id": media_id, "type": "image", "url": None, "description": self.media[media_id]["alt"]}
            )
        if request.method == "GET" and request.path.startswith("/api/v1/media/"):
            media = self.media[request.path.rsplit("/", 1)[-1]]
            media["polls"] += 1
            if media["polls"] < 2:
                return Reply(206, {"id": "x", "url": None})  # still processing
            return Reply(200, {"id": "x", "url": "https://files.example.invalid/original.png"})
        if request.method == "POST" and request.path == "/api/v1/statuses":
            return self._status(request)
        if request.method == "GET" and request.path == "/api/v1/accounts/verify_credentials":
            return Reply(200, {"id": self.account_id, "acct": "imigrasi_bs", "username": "imigrasi_bs"})
        if request.method == "GET" and request.path == f"/api/v1/accounts/{self.account_id}/statuses":
            return Reply(200, [p.extra["status"] for p in reversed(self.published)])
        if request.method == "DELETE" and request.path.startswith("/api/v1/statuses/"):
            status_id = request.path.rsplit("/", 1)[-1]
            post = next((p for p in self.published if p.remote_id == status_id), None)
            if post is None:
                return Reply(404, {"error": "Record not found"})
            self.published.remove(post)
            return Reply(200, post.extra["status"])
        return Reply(404, {"error": "Not found"})

    def _status(self, request: Request) -> Reply:
        key = request.headers.get("idempotency-key")
        stored = self.by_key.get(key or "")
        if stored and time.time() - stored[1] < self.key_ttl:  # a repeated key: the status it already made
            return Reply(200, stored[0])
        body = request.json or {}
        text, media_ids = body.get("status") or "", body.get("media_ids") or []
        if not text or any(m not in self.media for m in media_ids):
            raise ValueError("status and known media_ids are required")
        status_id = self.next_id()
        content = "<p>" + text.replace("&", "&amp;").replace("<", "&lt;").replace("\n\n", "</p><p>") + "</p>"
        status = {"id": status_id, "url": f"https://mastodon.example.invalid/@imigrasi_bs/{status_id}"}
        status["content"] = content.replace("\n", "<br />")
        media = self.media[media_ids[0]]
        self.published.append(
            Publication(status_id, text, media["image"], media["alt"], {"status": status, "key": key})
        )
        if key:
            self.by_key[key] = (status, time.time())
        return Reply(200, status)


# --- Bluesky ----------------------------------------------------------------------------------------------------


class BlueskyApi(FakeApi):
    name = "bluesky"

    def __init__(self, fake: FakePlatform) -> None:
        super().__init__(fake)
        self.access: dict[str, str] = {}  # accessJwt -> "valid" | "expired"
        self.refresh: set[str] = set()
        self.blobs: dict[str, ImageInfo] = {}
        self.records: dict[str, dict[str, Any]] = {}
        self.tokens = itertools.count(1)

    def expire_access_tokens(self) -> None:
        self.access = {token: "expired" for token in self.access}

    def authorized(self, request: Request) -> bool:
        if request.path.endswith(("createSession", "refreshSession")):
            return True  # these check their own credentials
        return self.access.get(request.bearer() or "") == "valid"

    def auth_error(self, request: Request) -> Reply:
        if self.access.get(request.bearer() or "") == "expired":
            return Reply(400, {"error": "ExpiredToken", "message": "Token has expired"})
        return Reply(401, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"})

    def invalid(self, message: str) -> Reply:
        return Reply(400, {"error": "InvalidRequest", "message": message})

    def rate_limited(self, seconds: int) -> Reply:
        import time

        reset = str(int(time.time()) + seconds)
        return Reply(429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, {"ratelimit-reset": reset})

    def _session(self) -> dict[str, str]:
        n = next(self.tokens)
        access, refresh = f"access-{n}", f"refresh-{n}"
        self.access[access] = "valid"
        self.refresh.add(refresh)
        return {"accessJwt": access, "refreshJwt": refresh, "did": BSKY_DID, "handle": BSKY_HANDLE}

    def handle(self, request: Request) -> Reply:
        nsid = request.path.removeprefix("/xrpc/")
        body = request.json or {}
        if nsid == "com.atproto.server.createSession":
            ok = body.get("identifier") == BSKY_HANDLE and body.get("password") == TOKENS["bluesky_password"]
            return Reply(200, self._session()) if ok and not self.revoked else self.auth_error(request)
        if nsid == "com.atproto.server.refreshSession":
            if request.bearer() not in self.refresh:
                return Reply(400, {"error": "ExpiredToken", "message": "Token has been revoked"})
            self.refresh.discard(request.bearer() or "")
            return Reply(200, self._session())
        if nsid == "com.atproto.server.getSession":
            return Reply(200, {"did": BSKY_DID, "handle": BSKY_HANDLE})
        if nsid == "com.atproto.repo.uploadBlob":
            if len(request.body) > 1_000_000:
                return Reply(400, {"error": "BlobTooLarge", "message": "This file is too large"})
            image = inspect_image(request.body)
            cid = f"bafkrei{self.next_id()}"
            self.blobs[cid] = image
            mime = request.headers.get("content-type", "")
            blob = {"$type": "blob", "ref": {"$link": cid}, "mimeType": mime, "size": len(request.body)}
            return Reply(200, {"blob": blob})
        if nsid == "com.atproto.repo.createRecord":
            return self._create(body)
        if nsid == "com.atproto.repo.getRecord":
            record = self.records.get(request.query.get("rkey", ""))
            if record is None:
                return Reply(400, {"error": "RecordNotFound", "message": "Could not locate record"})
            return Reply(200, record)
        if nsid == "com.atproto.repo.listRecords":
            return Reply(200, {"records": list(reversed(self.records.values()))})
        if nsid == "com.atproto.repo.deleteRecord":
            record = self.records.pop(body.get("rkey", ""), None)
            self.published = [p for p in self.published if record is None or p.remote_id != record["uri"]]
            return Reply(200, {})
        return Reply(501, {"error": "MethodNotImplemented", "message": nsid})

    def _create(self, body: dict[str, Any]) -> Reply:
        record = body.get("record") or {}
        if body.get("repo") != BSKY_DID or body.get("collection") != "app.bsky.feed.post":
            raise ValueError("repo and collection must name our did and app.bsky.feed.post")
        if record.get("$type") != "app.bsky.feed.post" or not record.get("createdAt"):
            raise ValueError("record must be an app.bsky.feed.post with createdAt")
        text: str = record.get("text", "")
        raw = text.encode()
        for facet in record.get("facets") or []:  # byte offsets must cut out exactly the linked text
            index, feature = facet["index"], facet["features"][0]
            piece = raw[index["byteStart"] : index["byteEnd"]].decode()
            if feature["$type"].endswith("#link") and piece != feature["uri"]:
                raise ValueError(f"link facet covers {piece!r}, not {feature['uri']!r}")
            if feature["$type"].endswith("#tag") and piece != "#" + feature["tag"]:
                raise ValueError(f"tag facet covers {piece!r}")
        images = (record.get("embed") or {}).get("images") or []
        if not images or images[0]["image"]["ref"]["$link"] not in self.blobs:
            raise ValueError("embed.images must reference an uploaded blob")
        rkey = body.get("rkey") or self.next_id()
        if not RECORD_KEY.fullmatch(rkey) or rkey in (".", ".."):  # the PDS checks record-key syntax only
            raise ValueError(f"invalid record key {rkey!r}")
        if rkey in self.records:
            # One record per key in a repo; the reference PDS answers a create under a taken key with a bare 500
            # (bluesky-social/atproto#3718 and #4725, indigo#873) — a second post is never made.
            return Reply(500, {"error": "InternalServerError", "message": "Internal Server Error"})
        uri = f"at://{BSKY_DID}/app.bsky.feed.post/{rkey}"
        self.records[rkey] = {"uri": uri, "cid": f"bafyrei{rkey}", "value": record}
        image = self.blobs[images[0]["image"]["ref"]["$link"]]
        self.published.append(Publication(uri, text, image, images[0].get("alt"), {"record": record}))
        return Reply(200, {"uri": uri, "cid": f"bafyrei{rkey}"})


ALL_APIS = {
    "facebook": FacebookApi,
    "instagram": InstagramApi,
    "threads": ThreadsApi,
    "x": XApi,
    "telegram": TelegramApi,
    "mastodon": MastodonApi,
    "bluesky": BlueskyApi,
}


def _json(value: Any) -> str:
    import json

    return json.dumps(value)
