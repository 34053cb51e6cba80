"""The publish step: one target (post × platform × occurrence) → at most one publication, recorded in the ledger.

:func:`publish_target` is a plain function, so the worker, ``publisher publish`` and the tests all call the same
code. In order it: loads the post (or takes the one the scheduler carried), refuses drafts, skips a publication
past its deadline, fails clearly when the platform is not configured, renders the card and builds the caption,
then asks the ledger:

* ``published`` → the recorded result comes back and nothing is sent (an edit made since is reported only);
* ``sending``   → an attempt crashed or the task was delivered twice, and the request may have reached the
  platform, so ``adapter.reconcile`` looks for it; when it cannot tell, the target becomes ``unknown``. (For a
  person's ``publisher publish`` a recent ``sending`` is a worker's send in progress, and is left alone.)
* otherwise     → :meth:`Ledger.begin_send` claims the target, ``adapter.publish`` runs once and its outcome is
  recorded: published, failed (retryable or final — the worker decides whether to retry) or unknown.

Dry run is decided here once (``settings.dry_run`` or the ``dry_run`` argument): the adapter factory then gives
adapters the dry-run transport, and the ledger used is the dry-run namespace, so a later real run still publishes.

The verbs built on it (``publisher publish``, ``retract``, ``doctor``, ``resolve``) are in :mod:`publisher.operations`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from publisher.adapters import ConfigurationError, adapter_classes
from publisher.adapters.base import Adapter, CredentialCheck, DeleteResult, Outgoing
from publisher.captions import build_caption
from publisher.check import load_post_by_id
from publisher.ledger import (
    ABSENT,
    CANCELLED,
    FAILED,
    MISSED,
    PUBLISHED,
    RETRACTED,
    SCHEDULED,
    SENDING,
    SKIPPED,
    UNKNOWN,
    Ledger,
    TargetRecord,
    utc_now,
)
from publisher.logs import event
from publisher.post import Post
from publisher.posts.limits import one_line
from publisher.results import Outcome, PublishResult
from publisher.settings import Settings
from publisher.targets import MAIN, Publication, parse_target_id, publications

log = logging.getLogger("publisher.publish")

REFUSED = "refused"  # not a ledger state: the target was not touched (a draft, a platform no longer listed)
NOT_CONFIGURED = "not_configured"  # recorded as the outcome of a target whose platform has no settings
IN_FLIGHT_SECONDS = 120  # see _in_flight_window


class PublishingAdapter(Protocol):
    def publish(self, item: Outgoing) -> PublishResult: ...
    def reconcile(self, item: Outgoing) -> PublishResult | None: ...
    def delete(self, remote_id: str) -> DeleteResult: ...
    def check_credentials(self) -> CredentialCheck: ...


# (platform name, on_progress callback or None) -> an adapter instance. Tests pass their own.
AdapterFactory = Callable[..., PublishingAdapter]


@dataclass(frozen=True)
class TargetResult:
    """What became of one target in this call, in the ledger's terms."""

    target_id: str
    platform: str
    state: str  # the ledger state after the call, or REFUSED
    message: str = ""
    outcome: Outcome | str | None = None  # the adapter's outcome when it was asked
    remote_id: str | None = None
    permalink: str | None = None
    retry_after: float | None = None
    attempts: int = 0
    already: bool = False  # was published before this call; nothing was sent
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return self.state == PUBLISHED

    @property
    def retryable(self) -> bool:
        return self.state == FAILED and self.outcome in (Outcome.RETRY_AFTER, Outcome.TRANSIENT)

    def line(self) -> str:
        """One line for a person: ``facebook: published https://...``, ``telegram: failed (auth): ...``; a
        platform's multi-line error page is folded onto it, control characters escaped."""
        return one_line(self._line())

    def _line(self) -> str:
        where = self.permalink or self.remote_id or ""
        dry = " (dry run)" if self.dry_run else ""
        if self.state == PUBLISHED:
            head = "already published" if self.already else "published"
            text = f"{self.platform}: {head}{dry} {where}".rstrip()
            return f"{text}; {self.message}" if self.already and self.message else text
        if self.state == FAILED:
            return f"{self.platform}: failed ({self.outcome or 'error'}){dry}: {self.message}"
        if self.state == UNKNOWN:
            return f"{self.platform}: UNKNOWN{dry}: {self.message}"
        return f"{self.platform}: {self.state}{dry}: {self.message}".rstrip(": ")

    @classmethod
    def from_record(cls, record: TargetRecord, *, message: str | None = None, **extra: Any) -> TargetResult:
        return cls(
            target_id=record.target_id,
            platform=record.platform,
            state=record.state,
            message=(record.error or record.reason or "") if message is None else message,
            outcome=_outcome(record.outcome),
            remote_id=record.remote_id,
            permalink=record.permalink,
            retry_after=record.retry_after,
            attempts=record.attempts,
            **extra,
        )


def _outcome(value: str | None) -> Outcome | str | None:
    try:
        return Outcome(value) if value else None
    except ValueError:
        return value  # e.g. NOT_CONFIGURED


def find_publication(post: Post, occurrence: str, *, now: datetime | None = None) -> Publication | None:
    for publication in publications(post, now=now):
        if publication.occurrence == occurrence:
            return publication
    if post.repeat and occurrence.startswith("repeat-"):
        # An occurrence beyond the expansion horizon (a late retry): rebuild it from its name.
        try:
            due = datetime.strptime(occurrence.removeprefix("repeat-"), "%Y%m%dT%H%M")
        except ValueError:
            return None
        from publisher.targets import deadline_of

        return Publication(post.id, occurrence, due.replace(tzinfo=post.publish_at.tzinfo), deadline_of(post))
    return None


def main_occurrence(post: Post, *, now: datetime | None = None) -> str:
    """What ``publisher publish POST_ID`` sends: ``main``, or for a repeating post its next occurrence."""
    found = [p for p in publications(post, now=now) if not p.occurrence.startswith("reminder-")]
    if not found or any(p.occurrence == MAIN for p in found):
        return MAIN
    now = now or utc_now()
    upcoming = [p for p in found if p.due_at >= now]
    return (upcoming[0] if upcoming else found[-1]).occurrence


# --- settings --------------------------------------------------------------------------------------------------


def unconfigured_message(platform: str, settings: Settings) -> str | None:
    """``facebook is not configured: set PUBLISHER_FACEBOOK__PAGE_ID, PUBLISHER_FACEBOOK__ACCESS_TOKEN``."""
    config = settings.platform(platform)
    if config is None:
        return f"{platform} has no settings section in this version"
    missing = config.missing()
    if not missing:
        return None
    prefix = f"PUBLISHER_{platform.upper()}__"
    names = ", ".join(
        re.sub(r"\b(?!or\b)[a-z][a-z_]*", lambda m: prefix + m.group(0).upper(), item) for item in missing
    )
    return f"{platform} is not configured: set {names}"


def make_adapter(
    platform: str, settings: Settings, *, dry_run: bool, on_progress: Callable[..., None] | None = None
) -> PublishingAdapter:
    """The adapter instance for ``platform``; the factory it calls picks the dry-run transport when asked."""
    from publisher.adapters import build_adapter

    return build_adapter(platform, settings, dry_run=dry_run, secrets=settings.secret_values(), on_progress=on_progress)


# --- the card and the item -------------------------------------------------------------------------------------


def _render(post: Post, adapter_cls: type[Adapter], publication: Publication, settings: Settings | None) -> Any:
    """The card through the shared on-disk render cache (``state_dir/cards``) when the cards package has one."""
    try:
        from publisher.cards.cache import cached_render_card
    except ImportError:
        from publisher.cards import render_card

        return render_card(post, adapter_cls, occurrence=publication)
    cache_dir = Path(settings.state_dir) / "cards" if settings is not None else None
    return cached_render_card(post, adapter_cls, occurrence=publication, cache_dir=cache_dir)


def idempotency_key(target: str, content_hash: str) -> str:
    return hashlib.sha256(f"{target}{content_hash}".encode()).hexdigest()[:32]


def build_outgoing(
    post: Post,
    adapter_cls: type[Adapter],
    publication: Publication,
    content_hash: str,
    progress: dict | None = None,
    *,
    settings: Settings | None = None,
) -> Outgoing:
    card = _render(post, adapter_cls, publication, settings)
    # A post with an English version is still published in Indonesian (the office's language); the English text
    # is for the platforms and cards that show it alongside.
    caption = build_caption(post, adapter_cls)
    target = publication.target_id(adapter_cls.name)
    return Outgoing(
        target_id=target,
        post_id=post.id,
        platform=adapter_cls.name,
        caption=caption.text,
        image=card.data,
        image_format=card.format,
        alt=card.alt if adapter_cls.supports_alt_text else None,
        idempotency_key=idempotency_key(target, content_hash),
        link=post.link,
        progress=dict(progress or {}),
    )


# --- the publish step ------------------------------------------------------------------------------------------


def publish_target(
    target: str,
    *,
    settings: Settings,
    ledger: Ledger,
    post: Post | None = None,
    dry_run: bool | None = None,
    manual: bool = False,
    now: datetime | None = None,
    adapter_factory: AdapterFactory | None = None,
) -> TargetResult:
    """Publish one target at most once. Never raises for a platform's failure; raises :class:`PostNotFound` /
    :class:`PostInvalid` when ``post`` is not given and the posts dir has no valid post with that id.

    ``manual``: a person asked for it (``publisher publish``), so a final failure (after fixing the token) or a
    missed publication may be tried again, and a recent ``sending`` record is taken for a worker's send still in
    progress and left alone. Without ``manual`` (the worker, which holds the scheduler's running lock for the
    target, so no other worker can be sending it) any ``sending`` record is a crash or a redelivery and is
    reconciled at once. Published, sending and unknown targets are never re-sent either way.
    """
    post_id, platform, occurrence = parse_target_id(target)
    dry_run = settings.dry_run if dry_run is None else dry_run
    if dry_run:
        ledger = ledger.for_dry_run()
    now = now or utc_now()
    if post is None:
        post = load_post_by_id(post_id, settings)

    def refused(message: str) -> TargetResult:
        log_target_event("refused", target, REFUSED, 0, message)
        return TargetResult(target, platform, REFUSED, message, dry_run=dry_run)

    if not post.is_ready:
        return refused("the post is a draft (status: draft); set status: ready to publish it")
    if platform not in post.platforms:
        ledger.transition(target, [SCHEDULED, FAILED], CANCELLED, reason=f"{platform} is no longer in the post")
        return refused(f"{platform} is not in the post's platforms")
    adapter_cls = adapter_classes().get(platform)
    if adapter_cls is None:
        return refused(f"unknown platform {platform!r}")
    publication = find_publication(post, occurrence, now=now)
    if publication is None:
        ledger.transition(target, [SCHEDULED, FAILED], CANCELLED, reason=f"the post no longer has {occurrence!r}")
        return refused(f"the post has no publication {occurrence!r}")

    content_hash = post.content_hash()
    record = ledger.get(target)
    if record is not None and record.state != SENDING:
        settled = _settled(ledger, record, content_hash, dry_run)
        if settled is not None:
            log_target_event("not-sent", target, settled.state, settled.attempts, settled.message)
            return settled

    if record is None or record.state != SENDING:
        if publication.deadline is not None and now > publication.deadline:
            reason = f"past its deadline ({publication.deadline:%Y-%m-%d %H:%M %Z}): not published"
            ledger.transition(target, [ABSENT, SCHEDULED, FAILED, MISSED], SKIPPED, reason=reason)
            return _result(ledger, target, dry_run=dry_run, log_message=reason)
        problem = unconfigured_message(platform, settings)
        if problem is not None:
            ledger.transition(
                target,
                [ABSENT, SCHEDULED, FAILED, MISSED],
                FAILED,
                outcome=NOT_CONFIGURED,
                error=problem,
                retryable=False,
                content_hash=content_hash,
            )
            return _result(ledger, target, dry_run=dry_run, message=problem)

    try:
        progress = record.progress if record else None
        item = build_outgoing(post, adapter_cls, publication, content_hash, progress, settings=settings)
    except Exception as exc:  # a card that cannot be rendered is this post's failure, not the worker's crash
        message = f"could not prepare the {adapter_cls.label} image or caption: {exc}"
        ledger.transition(target, [ABSENT, SCHEDULED, FAILED, MISSED], FAILED, outcome=Outcome.INVALID, error=message)
        log.exception("target=%s preparing failed", target)
        return _result(ledger, target, dry_run=dry_run, message=message)

    def on_progress(_target: str, key: str, value: str) -> None:
        ledger.note_progress(target, key, value)

    factory = adapter_factory or (lambda name, **kw: make_adapter(name, settings, dry_run=dry_run, **kw))
    try:
        adapter = factory(platform, on_progress=on_progress)
    except ConfigurationError as exc:  # e.g. Instagram without a public media URL: nothing was sent
        ledger.transition(
            target,
            [ABSENT, SCHEDULED, FAILED, MISSED],
            FAILED,
            outcome=NOT_CONFIGURED,
            error=str(exc),
            retryable=False,
            content_hash=content_hash,
        )
        return _result(ledger, target, dry_run=dry_run, message=str(exc))

    if record is not None and record.state == SENDING:
        since = record.sent_at or record.updated_at
        if manual and since is not None and now - since < _in_flight_window(settings):
            message = f"another worker is sending it right now (since {since:%H:%M:%S} UTC); look again in a minute"
            return TargetResult.from_record(record, message=message, dry_run=dry_run)
        return _reconcile(ledger, adapter, item, dry_run, why="an earlier attempt did not finish")

    claimed = ledger.begin_send(
        target,
        content_hash,
        manual=manual,
        caption=item.caption,
        alt=item.alt,
        image_sha256=hashlib.sha256(item.image).hexdigest(),
        image_bytes=len(item.image),
        due_at=publication.due_at,
    )
    if not claimed:  # someone else moved it between our read and now (another worker, a person)
        current = ledger.get(target)
        if current is None:
            return refused("could not claim the target")
        settled = _settled(ledger, current, content_hash, dry_run)
        if settled is not None:
            return settled
        if current.state == SENDING:
            return TargetResult.from_record(current, message="another worker is sending it right now", dry_run=dry_run)
        return TargetResult.from_record(
            current,
            message=(current.error or "") + " (not retried automatically; `publisher publish` retries it)",
            dry_run=dry_run,
        )

    attempt = (ledger.get(target) or record or TargetRecord(target, SENDING)).attempts
    log_target_event("sending", target, SENDING, attempt, "")
    try:
        result = adapter.publish(item)
    except Exception as exc:
        # Adapters raise only for bugs and bad configuration; whether a request went out first cannot be known.
        log.exception("target=%s adapter raised", target)
        result = PublishResult.failed(Outcome.UNKNOWN_OUTCOME, f"{adapter_cls.label}: the adapter failed: {exc}")
    if dry_run:
        _keep_dry_run_requests(ledger, target, adapter)
    return _record(ledger, adapter, item, result, dry_run, reconcile=True)


def _in_flight_window(settings: Settings) -> timedelta:
    """How long a ``sending`` record may belong to a send still in progress: longer than one send can take
    (adapter timeouts of 5 + 30 s, container polls of ~30 s) and than the worker's task time limit. Older than
    this it is a crash or a redelivery, and is reconciled."""
    return timedelta(seconds=max(IN_FLIGHT_SECONDS, getattr(settings, "task_time_limit", 0) + 30))


def _keep_dry_run_requests(ledger: Ledger, target: str, adapter: Any) -> None:
    """What the dry-run transport says would have gone over the wire (secrets already masked), for review."""
    recorded = getattr(getattr(adapter, "transport", None), "requests", None)
    if not recorded:
        return
    summary = [{"method": r.method, "url": r.url, **r.summary} for r in recorded]
    ledger.transition(target, [SENDING], SENDING, dry_run_requests=json.dumps(summary, ensure_ascii=False))


def _settled(ledger: Ledger, record: TargetRecord, content_hash: str, dry_run: bool) -> TargetResult | None:
    """The answer for a target that must not be sent again, or None when it may be sent."""
    if record.state == PUBLISHED:
        message = ""
        if record.content_hash and record.content_hash != content_hash:
            message = (
                "the post was edited after publishing; the edit is not re-sent (publish a correction as a new "
                "post with supersedes)"
            )
            if record.edited_content_hash != content_hash:
                ledger.transition(record.target_id, [PUBLISHED], PUBLISHED, edited_content_hash=content_hash)
        return TargetResult.from_record(record, message=message, already=True, dry_run=dry_run)
    if record.state == UNKNOWN:
        return TargetResult.from_record(
            record, message=unknown_message(record.target_id, record.error or ""), dry_run=dry_run
        )
    if record.state in (RETRACTED, SKIPPED, CANCELLED):
        return TargetResult.from_record(record, dry_run=dry_run)
    return None


def unknown_message(target: str, why: str) -> str:
    why = why.split(" — may or may not")[0]  # already loud: do not repeat the advice
    return (
        f"{why} — may or may not have been published; check the account and resolve with "
        f"`publisher resolve {target} --published URL` or `publisher resolve {target} --not-published`"
    )


def _reconcile(ledger: Ledger, adapter: PublishingAdapter, item: Outgoing, dry_run: bool, *, why: str) -> TargetResult:
    log_target_event("reconciling", item.target_id, SENDING, None, why)
    try:
        found = adapter.reconcile(item)
    except Exception:
        log.exception("target=%s reconcile raised", item.target_id)
        found = None
    if found is None:
        message = unknown_message(item.target_id, why)
        ledger.transition(item.target_id, [SENDING], UNKNOWN, error=message, outcome=Outcome.UNKNOWN_OUTCOME)
        log.warning("target=%s state=unknown %s", item.target_id, message)
        return _result(ledger, item.target_id, dry_run=dry_run, message=message)
    return _record(ledger, adapter, item, found, dry_run, reconcile=False)


def _record(
    ledger: Ledger, adapter: PublishingAdapter, item: Outgoing, result: PublishResult, dry_run: bool, *, reconcile: bool
) -> TargetResult:
    target = item.target_id
    outcome = result.outcome
    # A definite answer also settles a target someone marked unknown meanwhile (a lease sweeper, a second call).
    definite_from = [SENDING, UNKNOWN]
    if outcome is Outcome.PUBLISHED or (outcome is Outcome.DUPLICATE and result.remote_id):
        ledger.transition(
            target,
            definite_from,
            PUBLISHED,
            clear=("error",),
            remote_id=result.remote_id,
            permalink=result.permalink,
            outcome=outcome,
            published_at=utc_now(),
        )
        return _result(ledger, target, dry_run=dry_run, message=result.message)
    if outcome in (Outcome.RETRY_AFTER, Outcome.TRANSIENT, Outcome.AUTH, Outcome.INVALID):
        ledger.transition(
            target,
            definite_from,
            FAILED,
            outcome=outcome,
            error=result.message,
            retryable=result.retryable,
            retry_after=result.retry_after,
        )
        return replace(_result(ledger, target, dry_run=dry_run, message=result.message), outcome=outcome)
    if outcome is Outcome.UNKNOWN_OUTCOME and reconcile:
        return _reconcile(ledger, adapter, item, dry_run, why=result.message or "the answer was lost")
    why = result.message or "the platform's answer was lost"
    if outcome is Outcome.DUPLICATE:
        why = f"the platform says it already has this post but gave no id ({result.message})"
    message = unknown_message(target, why)
    ledger.transition(target, [SENDING], UNKNOWN, outcome=outcome, error=message)
    return _result(ledger, target, dry_run=dry_run, message=message)


def _result(ledger: Ledger, target: str, *, dry_run: bool, message: str = "", log_message: str = "") -> TargetResult:
    record = ledger.get(target)
    assert record is not None, target
    result = TargetResult.from_record(record, message=message or None, dry_run=dry_run)
    log_target_event(
        record.state, target, record.state, record.attempts, log_message or result.message, record.permalink
    )
    return result


def log_target_event(
    name: str, target: str, state: str, attempt: int | None, message: str = "", permalink: str | None = None
) -> None:
    """One line per event: ``event=published post=... platform=... occurrence=... state=... attempt=...``."""
    post_id, platform, occurrence = parse_target_id(target)
    level = logging.WARNING if state in (FAILED, UNKNOWN, "retract-failed") else logging.INFO
    event(
        log,
        name,
        post_id=post_id,
        platform=platform,
        state=state,
        attempt=attempt,
        level=level,
        occurrence=occurrence,
        permalink=permalink,
        message=message or None,
    )
