"""Posts folder → schedule. Run by the beat (and `publisher run`) every few seconds; safe to run anywhere, any time.

* a ready post gets one target per publication × platform (reminders and repeat occurrences included), recorded
  ``scheduled`` in the ledger and put in the schedule at its due time;
* an edited post (new content hash) re-times and re-hashes its ``scheduled`` targets;
* a removed, draft or superseded post has its ``scheduled`` targets cancelled and unscheduled;
* targets already sending, published, unknown (or otherwise settled) are never touched.

Workers need no shared disk: the post's validated content (and its own image, by hash) is copied into Redis here,
and the task rebuilds the ``Post`` from there (:func:`load_stored_post`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import redis

from publisher.posts.check import check_paths
from publisher.posts.model import Post
from publisher.publishing.ledger import Ledger, PseudoState, State
from publisher.publishing.targets import parse_target_id, publications
from publisher.scheduler.runtime import Runtime

log = logging.getLogger(__name__)

REASON_REMOVED = "the post file was removed"
REASON_DRAFT = "the post was set back to draft"
REASON_DROPPED = "no longer part of the post (platform, reminder or occurrence removed)"
REASON_SUPERSEDED = "superseded by "
REVIVABLE = (REASON_REMOVED, REASON_DRAFT, REASON_DROPPED)


@dataclass
class SyncReport:
    scheduled: list[str] = field(default_factory=list)
    rescheduled: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    invalid_posts: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.scheduled)} scheduled, {len(self.rescheduled)} rescheduled, {len(self.cancelled)} cancelled"
            + (f"; invalid posts left as they were: {', '.join(self.invalid_posts)}" if self.invalid_posts else "")
        )


def sync_posts(runtime: Runtime, *, now: float | None = None) -> SyncReport:
    settings = runtime.settings
    now = time.time() if now is None else now
    report = SyncReport()
    if not (settings.posts_dir.is_dir() and any(settings.posts_dir.rglob("*.md"))):
        # A missing or empty folder is far more likely a wrong path or an unmounted disk than an office that
        # deleted every post: cancel nothing, and say so.
        log.warning("posts folder %s is missing or has no posts: the schedule is left as it is", settings.posts_dir)
        report.invalid_posts = [f"(no posts in {settings.posts_dir})"]
        return report
    checked = check_paths([settings.posts_dir], settings)
    results = checked.results
    ready = {p.id: p for p in checked.posts if p.is_ready}
    drafts = {p.id for p in checked.posts if not p.is_ready}
    # A post with errors keeps whatever it had: an edit in progress must neither publish nor cancel anything.
    report.invalid_posts = sorted({r.post_id for r in results if not r.ok and r.post_id})
    superseded = {p.supersedes: p.id for p in ready.values() if p.supersedes and p.supersedes != p.id}

    known = {k.decode() for k in cast(list[bytes], runtime.redis.hkeys(runtime.schedule.keys.posts))}
    for post in ready.values():
        if post.id in superseded:
            continue
        try:
            _schedule_post(runtime, post, now, report)
        except redis.RedisError:
            raise
        except Exception:  # one post that breaks scheduling must not keep every other post unscheduled
            log.exception("post %s could not be scheduled; the others are", post.id)
            report.invalid_posts.append(post.id)
    for post_id in sorted(known | set(superseded)):
        if post_id in report.invalid_posts:
            continue
        if post_id in superseded:
            reason = REASON_SUPERSEDED + superseded[post_id]
        elif post_id in ready:
            continue
        elif post_id in drafts:
            reason = REASON_DRAFT
        else:
            reason = REASON_REMOVED
        _cancel_pending(runtime, post_id, set(), reason, report)
        runtime.redis.hdel(runtime.schedule.keys.posts, post_id)
    return report


def _schedule_post(runtime: Runtime, post: Post, now: float, report: SyncReport) -> None:
    ledger, schedule = runtime.ledger, runtime.schedule
    content_hash = post.content_hash()
    store_post(runtime, post, content_hash)
    wanted: set[str] = set()
    for publication in publications(post, now=datetime.fromtimestamp(now, UTC)):
        for platform in post.platforms:
            target_id = publication.target_id(platform)
            wanted.add(target_id)
            due = publication.due_at.timestamp()
            fields = {
                "post": post.id,
                "platform": platform,
                "occurrence": publication.occurrence,
                "deadline": publication.deadline.timestamp() if publication.deadline else "",
                "hash": content_hash,
            }
            record = ledger.get(target_id)
            if record is None:
                if ledger.schedule(target_id, content_hash, publication.due_at):
                    schedule.put(target_id, due=due, fields=fields)
                    report.scheduled.append(target_id)
            elif record.state == State.SCHEDULED:
                meta = schedule.meta([target_id]).get(target_id)
                in_schedule = meta is not None and _pending(runtime, target_id)
                if record.content_hash != content_hash or meta is None or meta.due != due or not in_schedule:
                    moved = ledger.transition(
                        target_id,
                        [State.SCHEDULED],
                        State.SCHEDULED,
                        content_hash=content_hash,
                        due_at=publication.due_at,
                    )
                    if moved and schedule.put(target_id, due=due, fields=fields):
                        report.rescheduled.append(target_id)
            elif record.state == State.CANCELLED and (record.reason or "") in REVIVABLE:
                moved = ledger.transition(
                    target_id,
                    [State.CANCELLED],
                    State.SCHEDULED,
                    clear=("reason",),
                    content_hash=content_hash,
                    due_at=publication.due_at,
                )
                if moved and schedule.put(target_id, due=due, fields=fields):
                    report.scheduled.append(target_id)
            elif record.state == State.PUBLISHED and content_hash not in (
                record.content_hash,
                record.edited_content_hash,
            ):
                # Reported by `publisher status`, never re-sent: a correction is a new post with `supersedes`.
                ledger.transition(target_id, [State.PUBLISHED], State.PUBLISHED, edited_content_hash=content_hash)
    _cancel_pending(runtime, post.id, wanted, REASON_DROPPED, report)


def _pending(runtime: Runtime, target_id: str) -> bool:
    keys = runtime.schedule.keys
    pipe = runtime.redis.pipeline(transaction=False)
    pipe.zscore(keys.due, target_id)
    pipe.zscore(keys.leased, target_id)
    return any(score is not None for score in pipe.execute())


def _cancel_pending(runtime: Runtime, post_id: str, keep: set[str], reason: str, report: SyncReport) -> None:
    ledger: Ledger = runtime.ledger
    for record in ledger.for_post(post_id):
        if record.target_id in keep or record.state != State.SCHEDULED:
            continue
        # Unschedule first: a target already claimed (in flight) is left to its task and the ledger.
        if runtime.schedule.remove(record.target_id) and ledger.transition(
            record.target_id, [State.SCHEDULED, PseudoState.ABSENT], State.CANCELLED, reason=reason
        ):
            report.cancelled.append(record.target_id)


# --- the post's content in Redis --------------------------------------------------------------------------------


def store_post(runtime: Runtime, post: Post, content_hash: str) -> None:
    keys = runtime.schedule.keys
    if runtime.redis.hget(keys.posts, post.id) == content_hash.encode():
        return
    image_sha = None
    if post.image is not None and post.image.is_file():
        data = post.image.read_bytes()
        image_sha = hashlib.sha256(data).hexdigest()
        runtime.redis.set(keys.image(image_sha), data)
    envelope = {"post": post.model_dump(mode="json"), "image_sha256": image_sha, "image_suffix": _suffix(post)}
    runtime.redis.set(keys.post(post.id), json.dumps(envelope, ensure_ascii=False))
    runtime.redis.hset(keys.posts, post.id, content_hash)


def load_stored_post(runtime: Runtime, post_id: str, content_hash: str | None = None) -> Post | None:
    """The post as sync last stored it; its own image is written to a local cache by hash when needed.

    With ``content_hash`` (the hash the target was scheduled with) a post already rebuilt in this process is
    reused: content is immutable per hash, and a burst of one post's targets then costs one read, not hundreds.
    """
    cache_key = (runtime.namespace, post_id, content_hash)
    if content_hash is not None and cache_key in _rebuilt:
        return _rebuilt[cache_key]
    post = _load_stored_post(runtime, post_id)
    if content_hash is not None and post is not None:
        if len(_rebuilt) >= REBUILT_CACHE_SIZE:
            _rebuilt.pop(next(iter(_rebuilt)))
        _rebuilt[cache_key] = post
    return post


REBUILT_CACHE_SIZE = 64
_rebuilt: dict[tuple[str, str, str | None], Post] = {}


def _load_stored_post(runtime: Runtime, post_id: str) -> Post | None:
    keys = runtime.schedule.keys
    raw = runtime.redis.get(keys.post(post_id))
    if raw is None:
        return None
    envelope = json.loads(raw)
    data = envelope["post"]
    if data.get("event"):
        # Reminders dump as {label, offset}; they are read back from their labels as written ("7d", "2h").
        data["event"]["reminders"] = [r["label"] for r in data["event"].get("reminders", [])]
    post = Post.model_validate(data)
    image_sha = envelope.get("image_sha256")
    if image_sha:
        cache = Path(runtime.settings.state_dir) / "images" / f"{image_sha}{envelope.get('image_suffix') or ''}"
        if not cache.is_file():
            data = cast(bytes | None, runtime.redis.get(keys.image(image_sha)))
            if data is not None:
                cache.parent.mkdir(parents=True, exist_ok=True)
                partial = cache.with_name(cache.name + ".part")
                partial.write_bytes(data)
                partial.replace(cache)
        post = post.model_copy(update={"image": cache})
    return post


def _suffix(post: Post) -> str:
    return post.image.suffix if post.image is not None else ""


def post_of(target_id: str) -> str:
    return parse_target_id(target_id)[0]
