"""The seven fake APIs' read endpoints, in the real APIs' shapes, serving what a test seeds per published post.

    seed(fake, "x", remote_id, metrics={"like_count": 3}, replies=[FakeReply("r1", "warga", "Apa syaratnya?")])

``metrics`` uses the platform's own names; a name left out is left out of the answer too (how a withdrawn or
renamed metric looks), so the adapter must record it as missing. Each class below extends its platform's fake
from ``platforms.py`` and answers the read routes before handing anything else to it:

    Facebook   GET /?ids=…&fields=reactions.summary(true),comments.summary(true),shares,insights.metric(…)  (≤ 50)
               GET /{post}/insights?metric=…    GET /{post}/comments
    Instagram  GET /{media}/insights?metric=…  GET /{media}/comments (with nested replies)
    Threads    GET /{media}/insights?metric=…  GET /{media}/replies
    X          GET /2/tweets?ids=…&tweet.fields=public_metrics (≤ 100)   GET /2/tweets/search/recent
    Mastodon   GET /api/v1/statuses?id[]=… (≤ 20)   GET /api/v1/statuses/{id}/context
    Bluesky    GET /xrpc/app.bsky.feed.getPosts?uris=… (≤ 25)   GET /xrpc/app.bsky.feed.getPostThread
    Telegram   getChatMemberCount (``member_count``)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .platforms import (
    BSKY_DID,
    BSKY_HANDLE,
    IG_USER,
    PAGE_ID,
    TG_CHANNEL,
    BlueskyApi,
    FacebookApi,
    InstagramApi,
    MastodonApi,
    TelegramApi,
    ThreadsApi,
    XApi,
)
from .server import FakePlatform, Reply, Request

OFFICE_USERNAME = "imigrasi.bengkulu.selatan"  # what the container fakes answer for GET /{user}?fields=username
WHEN = "2026-12-01T10:00:00+0000"
THREAD_VIEW = "app.bsky.feed.defs#threadViewPost"


@dataclass
class FakeReply:
    reply_id: str
    author: str
    text: str
    from_office: bool = False
    created_at: str = WHEN
    replies: list[FakeReply] = field(default_factory=list)  # answers to this reply (Instagram, Bluesky nest them)


@dataclass
class Engagement:
    metrics: dict[str, int] = field(default_factory=dict)
    replies: list[FakeReply] = field(default_factory=list)


# Counters a published post serves in tests and benches, under each platform's own metric names (Telegram has none).
SAMPLE_METRICS: dict[str, dict[str, int]] = {
    "facebook": {"reactions": 12, "comments": 3, "shares": 2, "post_total_media_view_unique": 340, "post_clicks": 25},
    "instagram": {"views": 500, "reach": 320, "likes": 40, "comments": 5, "shares": 3, "saved": 7,
                  "total_interactions": 55},
    "threads": {"views": 200, "likes": 10, "replies": 2, "reposts": 1, "quotes": 0, "shares": 4},
    "x": {"impression_count": 900, "like_count": 14, "reply_count": 2, "retweet_count": 3, "quote_count": 1,
          "bookmark_count": 0},
    "mastodon": {"replies_count": 2, "reblogs_count": 5, "favourites_count": 9},
    "bluesky": {"likeCount": 8, "repostCount": 2, "replyCount": 1, "quoteCount": 0},
    "telegram": {},
}  # fmt: skip


def seed(
    fake: FakePlatform,
    platform: str,
    remote_id: str,
    *,
    metrics: dict[str, int] | None = None,
    replies: Sequence[FakeReply] = (),
) -> Engagement:
    api = fake.api(platform)
    engagement = Engagement(dict(metrics or {}), list(replies))
    with fake.lock:
        api.engagement[remote_id] = engagement
    return engagement


class Reads:
    """Shared by the reading fakes: the seeded engagement, and the read routes tried before the write routes."""

    def __init__(self, fake: FakePlatform) -> None:
        super().__init__(fake)  # type: ignore[call-arg]
        self.engagement: dict[str, Engagement] = {}

    def of(self, remote_id: str) -> Engagement | None:
        known = any(p.remote_id == remote_id for p in self.published)  # type: ignore[attr-defined]
        return self.engagement.get(remote_id) or (Engagement() if known else None)

    def handle(self, request: Request) -> Reply:
        answer = self.read(request) if request.method == "GET" or self.reads_by_post else None
        return answer if answer is not None else super().handle(request)  # type: ignore[misc]

    reads_by_post = False  # the Bot API is called with POST

    def read(self, request: Request) -> Reply | None:
        raise NotImplementedError


def _insights(remote_id: str, metrics: dict[str, int], wanted: Sequence[str]) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "period": "lifetime",
            "values": [{"value": metrics[name]}],
            "title": name,
            "description": "",
            "id": f"{remote_id}/insights/{name}/lifetime",
        }
        for name in wanted
        if name in metrics
    ]


# --- Meta Graph -----------------------------------------------------------------------------------------------


class FacebookReads(Reads, FacebookApi):
    insight_names = frozenset({"post_total_media_view_unique", "post_clicks", "post_reactions_by_type_total"})

    def read(self, request: Request) -> Reply | None:
        parts = self.segments(request)
        if parts == [] and "ids" in request.query:
            return self._many(request.query["ids"].split(","), request.query.get("fields", ""))
        engagement = self.of(parts[0]) if len(parts) == 2 else None
        if engagement is None:
            return None
        if parts[1] == "insights":
            wanted = request.query.get("metric", "").split(",")
            if any(name not in self.insight_names for name in wanted):
                return self.error(100, "(#100) The value must be a valid insights metric")
            return Reply(200, {"data": _insights(parts[0], engagement.metrics, wanted)})
        if parts[1] == "comments":
            return Reply(
                200,
                {
                    "data": [self._comment(parts[0], r) for r in _flat(engagement.replies)],
                    "paging": {"cursors": {"before": "b", "after": "a"}},
                },
            )
        return None

    def _many(self, ids: list[str], fields: str) -> Reply:
        if len(ids) > 50:
            return self.error(100, "(#100) Too many IDs. Maximum: 50.")
        insights = re.search(r"insights\.metric\(([^)]*)\)", fields)
        if insights and any(name not in self.insight_names for name in insights.group(1).split(",")):
            return self.error(100, "(#100) The value must be a valid insights metric")  # one withdrawn: all refused
        nodes = {}
        for post_id in ids:
            engagement = self.of(post_id)
            if engagement is None:
                return self.error(100, f"(#803) Some of the aliases you requested do not exist: {post_id}")
            nodes[post_id] = self._node(post_id, engagement.metrics, insights.group(1).split(",") if insights else [])
        return Reply(200, nodes)

    @staticmethod
    def _node(post_id: str, metrics: dict[str, int], insight_names: list[str]) -> dict[str, Any]:
        node: dict[str, Any] = {"id": post_id}
        if "reactions" in metrics:
            node["reactions"] = {
                "data": [],
                "summary": {"total_count": metrics["reactions"], "viewer_reaction": "NONE"},
            }
        if "comments" in metrics:
            summary = {"order": "chronological", "total_count": metrics["comments"], "can_comment": True}
            node["comments"] = {"data": [], "summary": summary}
        if "shares" in metrics:  # the real Graph leaves shares out until a post is first shared
            node["shares"] = {"count": metrics["shares"]}
        if insight_names:
            node["insights"] = {"data": _insights(post_id, metrics, insight_names)}
        return node

    @staticmethod
    def _comment(post_id: str, reply: FakeReply) -> dict[str, Any]:
        author = (
            {"id": PAGE_ID, "name": "Kantor Imigrasi Bengkulu Selatan"}
            if reply.from_office
            else {"id": f"77{abs(hash(reply.author)) % 10**8}", "name": reply.author}
        )
        return {
            "id": f"{post_id}_{reply.reply_id}",
            "message": reply.text,
            "created_time": reply.created_at,
            "from": author,
            "permalink_url": f"https://www.facebook.com/{post_id}?comment_id={reply.reply_id}",
        }


class ContainerReads(Reads):
    insight_names: frozenset[str] = frozenset()
    replies_edge = ""

    def read(self, request: Request) -> Reply | None:
        parts = self.segments(request)  # type: ignore[attr-defined]
        engagement = self.of(parts[0]) if len(parts) == 2 else None
        if engagement is None:
            return None
        if parts[1] == "insights":
            wanted = request.query.get("metric", "").split(",")
            unknown = [name for name in wanted if name not in self.insight_names]
            if unknown:
                message = (
                    f"(#100) metric[0] must be one of the following values: {', '.join(sorted(self.insight_names))}"
                )
                return self.error(100, message)  # type: ignore[attr-defined,no-any-return]
            return Reply(200, {"data": _insights(parts[0], engagement.metrics, wanted)})
        if parts[1] == self.replies_edge:
            return Reply(
                200,
                {
                    "data": [self.entry(parts[0], r) for r in engagement.replies],
                    "paging": {"cursors": {"before": "b", "after": "a"}},
                },
            )
        return None

    def entry(self, media_id: str, reply: FakeReply) -> dict[str, Any]:
        raise NotImplementedError


class InstagramReads(ContainerReads, InstagramApi):
    insight_names = frozenset(
        {"views", "reach", "likes", "comments", "shares", "saved", "total_interactions", "profile_visits"}
    )
    replies_edge = "comments"

    def entry(self, media_id: str, reply: FakeReply) -> dict[str, Any]:
        username = OFFICE_USERNAME if reply.from_office else reply.author
        item = {
            "id": reply.reply_id,
            "text": reply.text,
            "timestamp": reply.created_at,
            "username": username,
            "from": {"id": IG_USER if reply.from_office else f"178{len(username)}", "username": username},
        }
        if reply.replies:
            item["replies"] = {"data": [self.entry(media_id, r) for r in reply.replies]}
        return item


class ThreadsReads(ContainerReads, ThreadsApi):
    insight_names = frozenset({"views", "likes", "replies", "reposts", "quotes", "shares"})
    replies_edge = "replies"

    def entry(self, media_id: str, reply: FakeReply) -> dict[str, Any]:
        username = OFFICE_USERNAME if reply.from_office else reply.author
        return {
            "id": reply.reply_id,
            "text": reply.text,
            "timestamp": reply.created_at,
            "username": username,
            "permalink": f"https://www.threads.net/@{username}/post/{reply.reply_id}",
        }


# --- X ----------------------------------------------------------------------------------------------------------


class XReads(Reads, XApi):
    def read(self, request: Request) -> Reply | None:
        if request.path == "/2/tweets":
            return self._lookup(request.query.get("ids", "").split(","), request.query.get("tweet.fields", ""))
        if request.path == "/2/tweets/search/recent":
            conversation = request.query.get("query", "").removeprefix("conversation_id:")
            engagement = self.of(conversation)
            replies = _flat(engagement.replies) if engagement else []
            data = [
                {
                    "id": r.reply_id,
                    "text": r.text,
                    "author_id": self.user_id if r.from_office else f"9{i}",
                    "created_at": r.created_at.replace("+0000", ".000Z"),
                    "conversation_id": conversation,
                }
                for i, r in enumerate(replies)
            ]
            users = [
                {"id": t["author_id"], "username": "imigrasi_bs" if r.from_office else r.author}
                for t, r in zip(data, replies, strict=True)
            ]
            return Reply(200, {"data": data, "includes": {"users": users}, "meta": {"result_count": len(data)}})
        return None

    def _lookup(self, ids: list[str], fields: str) -> Reply:
        if not 1 <= len(ids) <= 100:
            return self.invalid("The number of values in the `ids` query parameter list [1-100] was not valid")
        data, errors = [], []
        for tweet_id in ids:
            engagement = self.of(tweet_id)
            if engagement is None:
                errors.append(
                    {
                        "value": tweet_id,
                        "detail": f"Could not find tweet with ids: [{tweet_id}].",
                        "title": "Not Found Error",
                        "resource_type": "tweet",
                        "parameter": "ids",
                        "resource_id": tweet_id,
                        "type": "https://api.twitter.com/2/problems/resource-not-found",
                    }
                )
                continue
            tweet: dict[str, Any] = {"id": tweet_id, "text": "…", "edit_history_tweet_ids": [tweet_id]}
            if "public_metrics" in fields.split(","):
                tweet["public_metrics"] = dict(engagement.metrics)
            data.append(tweet)
        body: dict[str, Any] = {"data": data} if data else {}
        if errors:
            body["errors"] = errors
        return Reply(200, body)


# --- Mastodon ---------------------------------------------------------------------------------------------------


class MastodonReads(Reads, MastodonApi):
    def read(self, request: Request) -> Reply | None:
        if request.path == "/api/v1/statuses":
            ids = [value for key, value in request.pairs if key == "id[]"]
            if len(ids) > 20:
                return self.invalid("too many ids (at most 20)")
            found = [(i, self.of(i)) for i in ids]
            return Reply(200, [self._status_view(i, e) for i, e in found if e is not None])
        match = re.fullmatch(r"/api/v1/statuses/([^/]+)/context", request.path)
        engagement = self.of(match.group(1)) if match else None
        if match is None:
            return None
        if engagement is None:
            return Reply(404, {"error": "Record not found"})
        return Reply(200, {"ancestors": [], "descendants": [self._reply(r) for r in _flat(engagement.replies)]})

    def _status_view(self, status_id: str, engagement: Engagement) -> dict[str, Any]:
        status = {
            "id": status_id,
            "url": f"https://mastodon.example.invalid/@imigrasi_bs/{status_id}",
            "content": "<p>…</p>",
            "created_at": "2026-12-01T09:00:00.000Z",
        }
        return {**status, **engagement.metrics}

    def _reply(self, reply: FakeReply) -> dict[str, Any]:
        account = (
            {"id": self.account_id, "acct": "imigrasi_bs", "username": "imigrasi_bs"}
            if reply.from_office
            else {"id": f"2{len(reply.author)}", "acct": reply.author, "username": reply.author}
        )
        return {
            "id": reply.reply_id,
            "created_at": reply.created_at.replace("+0000", ".000Z"),
            "content": f"<p>{reply.text}</p>",
            "url": f"https://mastodon.example.invalid/@x/{reply.reply_id}",
            "account": account,
        }


# --- Bluesky ----------------------------------------------------------------------------------------------------


class BlueskyReads(Reads, BlueskyApi):
    def read(self, request: Request) -> Reply | None:
        nsid = request.path.removeprefix("/xrpc/")
        if nsid == "app.bsky.feed.getPosts":
            uris = [value for key, value in request.pairs if key == "uris"]
            if len(uris) > 25:
                return self.invalid("uris must not have more than 25 elements")
            posts = [self._view(uri, e.metrics) for uri in uris if (e := self.of(uri)) is not None]
            return Reply(200, {"posts": posts})
        if nsid == "app.bsky.feed.getPostThread":
            uri = request.query.get("uri", "")
            engagement = self.of(uri)
            if engagement is None:
                return Reply(400, {"error": "NotFound", "message": f"Post not found: {uri}"})
            thread = {
                "$type": THREAD_VIEW,
                "post": self._view(uri, engagement.metrics),
                "replies": [self._thread(r) for r in engagement.replies],
            }
            return Reply(200, {"thread": thread})
        return None

    @staticmethod
    def _view(
        uri: str,
        metrics: dict[str, int],
        author: dict[str, str] | None = None,
        text: str = "…",
        created_at: str = "2026-12-01T09:00:00.000Z",
    ) -> dict[str, Any]:
        record = {"$type": "app.bsky.feed.post", "text": text, "createdAt": created_at}
        view = {
            "uri": uri,
            "cid": "bafyreifake",
            "author": author or {"did": BSKY_DID, "handle": BSKY_HANDLE},
            "record": record,
            "indexedAt": created_at,
        }
        return {**view, **metrics}

    def _thread(self, reply: FakeReply) -> dict[str, Any]:
        author = (
            {"did": BSKY_DID, "handle": BSKY_HANDLE}
            if reply.from_office
            else {"did": f"did:plc:{reply.author.replace('.', '')}", "handle": reply.author}
        )
        uri = f"at://{author['did']}/app.bsky.feed.post/{reply.reply_id}"
        when = reply.created_at.replace("+0000", ".000Z")
        return {
            "$type": THREAD_VIEW,
            "post": self._view(uri, {}, author, reply.text, when),
            "replies": [self._thread(r) for r in reply.replies],
        }


# --- Telegram ---------------------------------------------------------------------------------------------------


class TelegramReads(Reads, TelegramApi):
    reads_by_post = True
    member_count = 1_250

    def read(self, request: Request) -> Reply | None:
        if self._split(request)[1] != "getChatMemberCount":
            return None
        if request.field("chat_id") != TG_CHANNEL:
            return self.error(400, "Bad Request: chat not found")
        return Reply(200, {"ok": True, "result": self.member_count})


def _flat(replies: Sequence[FakeReply]) -> list[FakeReply]:
    """A reply tree as the flat lists Facebook (filter=stream), X search and Mastodon's context return."""
    return [item for reply in replies for item in (reply, *_flat(reply.replies))]


READING_APIS = {
    "facebook": FacebookReads,
    "instagram": InstagramReads,
    "threads": ThreadsReads,
    "x": XReads,
    "telegram": TelegramReads,
    "mastodon": MastodonReads,
    "bluesky": BlueskyReads,
}
__all__ = ["READING_APIS", "SAMPLE_METRICS", "Engagement", "FakeReply", "seed"]
