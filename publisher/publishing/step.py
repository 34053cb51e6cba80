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

Before the claim, with ``PUBLISHER_REQUIRE_APPROVAL`` on, the approval gate (:func:`publisher.archive.approvals.gate`)
may say the post waits for an approval of its current content: the answer is ``awaiting-approval`` and the ledger is
not touched. After every call the target's settled outcome goes to the archive (:mod:`publisher.archive.outcomes`);
a database that is down costs nothing here, the worker's catch-up writes the row later.

Each of those is one named step over one :class:`Attempt`; :func:`publish_target` is their chain, and the first
step with an answer ends it. A dry run (``settings.dry_run`` or the ``dry_run`` argument) writes to the ledger's
dry-run twin, so a later real run still publishes; the adapter's transport for it is chosen by
:func:`publisher.adapters.registry.build_adapter`.

The verbs built on it (``publisher publish``, ``retract``, ``doctor``, ``resolve``) are in
:mod:`publisher.publishing.verbs`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from publisher import defaults
from publisher.adapters.base import Adapter, CredentialCheck, DeleteResult, Outgoing
from publisher.adapters.registry import ConfigurationError, adapter_classes, build_adapter
from publisher.adapters.results import Outcome, PublishResult
from publisher.adapters.transport.dry_run import DryRunTransport
from publisher.archive.approvals import gate
from publisher.archive.outcomes import archive_settled
from publisher.infra.settings import Settings, unconfigured_message
from publisher.posts.lookup import load_post_by_id
from publisher.posts.model import Post
from publisher.publishing.ledger import IN_DOUBT, PRE_SEND, SETTLED_UNSENT, Ledger, State, TargetRecord, utc_now
from publisher.publishing.prepare import build_outgoing
from publisher.publishing.result import TargetResult, Verdict, log_target_event, unknown_message
from publisher.publishing.targets import Publication, find_publication, parse_target_id

log = logging.getLogger("publisher.publish")

CANCELLABLE = (State.SCHEDULED, State.FAILED)  # a target the post no longer has is cancelled from these
# Test-only fault hook, inert unless set: names a fuse file holding a target id; the process that settles that
# target SIGKILLs itself between the ledger's transition and the archive's write, once (it removes the fuse
# first). tests/test_archive_worker.py proves the row still appears, once.
DIE_BEFORE_ARCHIVE_ENV = "PUBLISHER_TEST_DIE_BEFORE_ARCHIVE"


class PublishingAdapter(Protocol):
    def publish(self, item: Outgoing) -> PublishResult: ...
    def reconcile(self, item: Outgoing) -> PublishResult | None: ...
    def delete(self, remote_id: str) -> DeleteResult: ...
    def check_credentials(self) -> CredentialCheck: ...


# (platform name, on_progress callback or None) -> an adapter instance. Tests pass their own.
AdapterFactory = Callable[..., PublishingAdapter]


def real_or_dry_adapters(settings: Settings, *, dry_run: bool) -> AdapterFactory:
    """The factory of the installation's adapters; ``dry_run`` is handed on to :func:`build_adapter`."""
    return lambda name, **kw: build_adapter(name, settings, dry_run=dry_run, **kw)


@dataclass
class Attempt:
    """One call of :func:`publish_target`: what it was asked, and what its steps have found so far."""

    target: str
    platform: str
    post: Post
    adapter_cls: type[Adapter]
    publication: Publication
    settings: Settings
    ledger: Ledger  # the dry-run twin in a dry run
    dry_run: bool
    manual: bool
    now: datetime
    factory: AdapterFactory
    content_hash: str
    record: TargetRecord | None  # as read before anything was sent
    item: Outgoing | None = None  # set by _prepare
    adapter: PublishingAdapter | None = None  # set by _connect

    @property
    def in_flight(self) -> bool:
        """An earlier attempt left the target ``sending``: it may have reached the platform."""
        return self.record is not None and self.record.state == State.SENDING

    def outgoing(self) -> tuple[PublishingAdapter, Outgoing]:
        assert self.adapter is not None and self.item is not None, "_prepare and _connect come first"
        return self.adapter, self.item

    def answer(self, *, message: str = "", log_message: str = "") -> TargetResult:
        """The target as the ledger now has it, logged as one event."""
        return _result(self.ledger, self.target, dry_run=self.dry_run, message=message, log_message=log_message)


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
    dry_run = settings.dry_run if dry_run is None else dry_run
    factory = adapter_factory or real_or_dry_adapters(settings, dry_run=dry_run)
    ledger = ledger.for_dry_run() if dry_run else ledger
    attempt = _begin(target, settings, ledger, post, dry_run, manual, now, factory)
    if isinstance(attempt, TargetResult):  # refused; a target the post no longer has may have been cancelled
        return _archived(settings, ledger, target, attempt)
    result = (
        _already_settled(attempt)
        or _too_late_or_not_configured(attempt)
        or _approved(attempt)
        or _prepare(attempt)
        or _connect(attempt)
        or _in_flight(attempt)
        or _claim(attempt)
        or _send(attempt)
    )
    return _archived(settings, ledger, target, result, card=attempt.item.image if attempt.item else None)


def _begin(
    target: str,
    settings: Settings,
    ledger: Ledger,
    post: Post | None,
    dry_run: bool,
    manual: bool,
    now: datetime | None,
    factory: AdapterFactory,
) -> Attempt | TargetResult:
    """The attempt, or a refusal that touched nothing (a draft) or only cancelled what the post no longer has."""
    post_id, platform, occurrence = parse_target_id(target)
    now = now or utc_now()
    if post is None:
        post = load_post_by_id(post_id, settings)

    def refused(message: str) -> TargetResult:
        return _refused(target, message, dry_run=dry_run)

    if not post.is_ready:
        return refused("the post is a draft (status: draft); set status: ready to publish it")
    if platform not in post.platforms:
        ledger.transition(target, CANCELLABLE, State.CANCELLED, reason=f"{platform} is no longer in the post")
        return refused(f"{platform} is not in the post's platforms")
    adapter_cls = adapter_classes().get(platform)
    if adapter_cls is None:
        return refused(f"unknown platform {platform!r}")
    publication = find_publication(post, occurrence, now=now)
    if publication is None:
        ledger.transition(target, CANCELLABLE, State.CANCELLED, reason=f"the post no longer has {occurrence!r}")
        return refused(f"the post has no publication {occurrence!r}")
    content_hash = post.content_hash()
    return Attempt(
        *(target, platform, post, adapter_cls, publication, settings, ledger, dry_run, manual, now, factory),
        content_hash=content_hash,
        record=ledger.get(target),
    )


def _refused(target: str, message: str, *, dry_run: bool) -> TargetResult:
    """The target was not touched by this call."""
    log_target_event(Verdict.REFUSED, target, Verdict.REFUSED, 0, message)
    return TargetResult(target, parse_target_id(target)[1], Verdict.REFUSED, message, dry_run=dry_run)


def _already_settled(attempt: Attempt) -> TargetResult | None:
    """Published, unknown, skipped, cancelled or retracted: answered from the ledger, nothing is sent."""
    record = attempt.record
    if record is None or attempt.in_flight:
        return None
    settled = _settled(attempt.ledger, record, attempt.content_hash, attempt.dry_run)
    if settled is not None:
        log_target_event("not-sent", attempt.target, settled.state, settled.attempts, settled.message)
    return settled


def _too_late_or_not_configured(attempt: Attempt) -> TargetResult | None:
    """Past the publication's deadline: skipped. No settings for the platform: failed, for a person to fix."""
    if attempt.in_flight:
        return None  # it may be up already: reconciling comes before any deadline
    deadline = attempt.publication.deadline
    if deadline is not None and attempt.now > deadline:
        reason = f"past its deadline ({deadline:%Y-%m-%d %H:%M %Z}): not published"
        attempt.ledger.transition(attempt.target, PRE_SEND, State.SKIPPED, reason=reason)
        return attempt.answer(log_message=reason)
    problem = unconfigured_message(attempt.platform, attempt.settings)
    if attempt.dry_run:  # rehearsed with placeholder settings (build_adapter); `publisher check` warns of it
        return None
    return _not_configured(attempt, problem) if problem is not None else None


def _not_configured(attempt: Attempt, problem: str) -> TargetResult:
    """Nothing was sent and trying again cannot help until a person sets the platform's settings."""
    attempt.ledger.transition(
        attempt.target,
        PRE_SEND,
        State.FAILED,
        outcome=Outcome.NOT_CONFIGURED,
        error=problem,
        retryable=False,
        content_hash=attempt.content_hash,
    )
    return attempt.answer(message=problem)


def _approved(attempt: Attempt) -> TargetResult | None:
    """With PUBLISHER_REQUIRE_APPROVAL: no approval of the post's current content, no claim. The target waits,
    the ledger untouched (the worker looks again later; a dry run says what it would wait for). A send already in
    flight is reconciled whatever the gate says: it may be up."""
    if attempt.in_flight:
        return None
    decision = gate(attempt.post, attempt.settings)
    if decision.allowed:
        return None
    log_target_event(Verdict.AWAITING_APPROVAL, attempt.target, Verdict.AWAITING_APPROVAL, None, decision.message)
    return TargetResult(
        attempt.target, attempt.platform, Verdict.AWAITING_APPROVAL, decision.message, dry_run=attempt.dry_run
    )


def _prepare(attempt: Attempt) -> TargetResult | None:
    """The card and the caption; a card that cannot be rendered is this post's failure, not the worker's crash."""
    progress = attempt.record.progress if attempt.record else None
    try:
        attempt.item = build_outgoing(
            attempt.post,
            attempt.adapter_cls,
            attempt.publication,
            attempt.content_hash,
            progress,
            settings=attempt.settings,
        )
    except Exception as exc:
        # Nothing was sent, and a post `check` accepts renders: what failed here is more likely the moment (a task
        # time limit fired while drawing, a full disk) than the post, so the target may be tried again.
        message = f"could not prepare the {attempt.adapter_cls.label} image or caption: {exc}"
        attempt.ledger.transition(
            attempt.target, PRE_SEND, State.FAILED, outcome=Outcome.TRANSIENT, retryable=True, error=message
        )
        log.exception("target=%s preparing failed", attempt.target)
        return attempt.answer(message=message)
    return None


def _connect(attempt: Attempt) -> TargetResult | None:
    """The platform's adapter; its mid-send evidence goes to the ledger for a later ``reconcile``."""
    ledger, target = attempt.ledger, attempt.target

    def on_progress(_target: str, key: str, value: str) -> None:
        ledger.note_progress(target, key, value)

    try:
        attempt.adapter = attempt.factory(attempt.platform, on_progress=on_progress)
    except ConfigurationError as exc:  # e.g. Instagram without a public media URL: nothing was sent
        return _not_configured(attempt, str(exc))
    return None


def _in_flight(attempt: Attempt) -> TargetResult | None:
    """A ``sending`` record: a person's call leaves a recent one alone; otherwise it is reconciled."""
    record = attempt.record
    if record is None or not attempt.in_flight:
        return None
    since = record.sent_at or record.updated_at
    if attempt.manual and since is not None and attempt.now - since < _in_flight_window(attempt.settings):
        message = f"another worker is sending it right now (since {since:%H:%M:%S} UTC); look again in a minute"
        return TargetResult.from_record(record, message=message, dry_run=attempt.dry_run)
    return _reconcile(attempt, why="an earlier attempt did not finish")


def _claim(attempt: Attempt) -> TargetResult | None:
    """Move the target to ``sending`` (the ledger's compare-and-set); the answer when someone else moved it."""
    _adapter, item = attempt.outgoing()
    claimed = attempt.ledger.begin_send(
        attempt.target,
        attempt.content_hash,
        manual=attempt.manual,
        caption=item.caption,
        alt=item.alt,
        image_sha256=hashlib.sha256(item.image).hexdigest(),
        image_bytes=len(item.image),
        due_at=attempt.publication.due_at,
    )
    if claimed:
        return None
    # Someone else moved it between our read and now (another worker, a person).
    current = attempt.ledger.get(attempt.target)
    dry_run = attempt.dry_run
    if current is None:
        return _refused(attempt.target, "could not claim the target", dry_run=dry_run)
    settled = _settled(attempt.ledger, current, attempt.content_hash, dry_run)
    if settled is not None:
        return settled
    if current.state == State.SENDING:
        return TargetResult.from_record(current, message="another worker is sending it right now", dry_run=dry_run)
    message = (current.error or "") + " (not retried automatically; `publisher publish` retries it)"
    return TargetResult.from_record(current, message=message, dry_run=dry_run)


def _send(attempt: Attempt) -> TargetResult:
    """The one request that publishes, and its outcome recorded."""
    adapter, item = attempt.outgoing()
    current = attempt.ledger.get(attempt.target) or attempt.record or TargetRecord(attempt.target, State.SENDING)
    log_target_event(State.SENDING, attempt.target, State.SENDING, current.attempts, "")
    try:
        result = adapter.publish(item)
    except Exception as exc:
        # Adapters raise only for bugs and bad configuration; whether a request went out first cannot be known.
        log.exception("target=%s adapter raised", attempt.target)
        label = attempt.adapter_cls.label
        result = PublishResult.failed(Outcome.UNKNOWN_OUTCOME, f"{label}: the adapter failed: {exc}")
    if attempt.dry_run:
        _keep_dry_run_requests(attempt.ledger, attempt.target, adapter)
    return _record(attempt, result, reconcile=True)


def _archived(
    settings: Settings, ledger: Ledger, target: str, result: TargetResult, *, card: bytes | None = None
) -> TargetResult:
    """The last step: whatever the ledger now holds as settled goes to the archive (once: the write is idempotent).
    Nothing is written for a target still scheduled or sending; a database that is down is caught up later."""
    _test_fault_before_archive(target)
    archive_settled(settings, ledger, target, card=card)
    return result


def _test_fault_before_archive(target: str) -> None:
    fuse = os.environ.get(DIE_BEFORE_ARCHIVE_ENV)
    if not fuse or not os.path.exists(fuse):
        return
    with open(fuse, encoding="utf-8") as handle:
        if handle.read().strip() != target:
            return
    os.unlink(fuse)
    os.kill(os.getpid(), signal.SIGKILL)


def _in_flight_window(settings: Settings) -> timedelta:
    """How long a ``sending`` record may belong to a send still in progress (see ``defaults.IN_FLIGHT_SECONDS``):
    also longer than the worker's task time limit."""
    return timedelta(seconds=max(defaults.IN_FLIGHT_SECONDS, settings.task_time_limit + 30))


def _keep_dry_run_requests(ledger: Ledger, target: str, adapter: PublishingAdapter) -> None:
    """What the dry-run transport says would have gone over the wire (secrets already masked), for review."""
    transport = getattr(adapter, "transport", None)  # a test's own adapter may have none
    if not isinstance(transport, DryRunTransport) or not transport.requests:
        return
    summary = [{"method": r.method, "url": r.url, **r.summary} for r in transport.requests]
    ledger.transition(target, [State.SENDING], State.SENDING, dry_run_requests=json.dumps(summary, ensure_ascii=False))


def _settled(ledger: Ledger, record: TargetRecord, content_hash: str, dry_run: bool) -> TargetResult | None:
    """The answer for a target that must not be sent again, or None when it may be sent."""
    if record.state == State.PUBLISHED:
        message = ""
        if record.content_hash and record.content_hash != content_hash:
            message = (
                "the post was edited after publishing; the edit is not re-sent (publish a correction as a new "
                "post with supersedes)"
            )
            if record.edited_content_hash != content_hash:
                ledger.transition(
                    record.target_id, [State.PUBLISHED], State.PUBLISHED, edited_content_hash=content_hash
                )
        return TargetResult.from_record(record, message=message, already=True, dry_run=dry_run)
    if record.state == State.UNKNOWN:
        return TargetResult.from_record(
            record, message=unknown_message(record.target_id, record.error or ""), dry_run=dry_run
        )
    if record.state in SETTLED_UNSENT:
        return TargetResult.from_record(record, dry_run=dry_run)
    return None


def _reconcile(attempt: Attempt, *, why: str) -> TargetResult:
    """Ask the platform whether the earlier request went through; when it cannot tell, a person must."""
    adapter, item = attempt.outgoing()
    noted = attempt.ledger.get(item.target_id)
    if noted is not None and noted.progress:  # the evidence this very attempt noted too (an rkey, a container)
        item = replace(item, progress=noted.progress)
    log_target_event("reconciling", item.target_id, State.SENDING, None, why)
    try:
        found = adapter.reconcile(item)
    except Exception:
        log.exception("target=%s reconcile raised", item.target_id)
        found = None
    if found is None:
        message = unknown_message(item.target_id, why)
        attempt.ledger.transition(
            item.target_id, [State.SENDING], State.UNKNOWN, error=message, outcome=Outcome.UNKNOWN_OUTCOME
        )
        return attempt.answer(message=message)  # its one event line
    return _record(attempt, found, reconcile=False)


def _record(attempt: Attempt, result: PublishResult, *, reconcile: bool) -> TargetResult:
    """The adapter's outcome into the ledger: published, failed (retryable or not), or unknown after reconciling."""
    ledger, target = attempt.ledger, attempt.target
    outcome = result.outcome
    # A definite answer also settles a target someone marked unknown meanwhile (a lease sweeper, a second call).
    definite_from = IN_DOUBT
    if outcome is Outcome.PUBLISHED or (outcome is Outcome.DUPLICATE and result.remote_id):
        ledger.transition(
            target,
            definite_from,
            State.PUBLISHED,
            clear=("error",),
            remote_id=result.remote_id,
            permalink=result.permalink,
            outcome=outcome,
            published_at=utc_now(),
        )
        return attempt.answer(message=result.message)
    if outcome in (Outcome.RETRY_AFTER, Outcome.TRANSIENT, Outcome.AUTH, Outcome.INVALID):
        ledger.transition(
            target,
            definite_from,
            State.FAILED,
            outcome=outcome,
            error=result.message,
            retryable=result.retryable,
            retry_after=result.retry_after,
        )
        return replace(attempt.answer(message=result.message), outcome=outcome)
    if outcome is Outcome.UNKNOWN_OUTCOME and reconcile:
        return _reconcile(attempt, why=result.message or "the answer was lost")
    why = result.message or "the platform's answer was lost"
    if outcome is Outcome.DUPLICATE:
        why = f"the platform says it already has this post but gave no id ({result.message})"
    message = unknown_message(target, why)
    ledger.transition(target, [State.SENDING], State.UNKNOWN, outcome=outcome, error=message)
    return attempt.answer(message=message)


def _result(ledger: Ledger, target: str, *, dry_run: bool, message: str = "", log_message: str = "") -> TargetResult:
    record = ledger.get(target)
    assert record is not None, target
    result = TargetResult.from_record(record, message=message or None, dry_run=dry_run)
    log_target_event(
        record.state, target, record.state, record.attempts, log_message or result.message, record.permalink
    )
    return result
