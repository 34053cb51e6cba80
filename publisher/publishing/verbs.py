"""The verbs built on the publish step: ``publisher publish``, ``retract``, ``doctor`` and ``resolve``.

Each is a plain function the CLI prints the results of; they reach platforms only through the same adapter
factory and ledger as :func:`publisher.publishing.step.publish_target`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from publisher.adapters.base import CredentialCheck, DeleteResult
from publisher.adapters.registry import adapter_classes
from publisher.adapters.results import Outcome
from publisher.archive.outcomes import archive_settled
from publisher.i18n import _
from publisher.i18n.labels import label
from publisher.infra.redis import connect
from publisher.infra.settings import Settings, unconfigured_message
from publisher.posts.check import check_paths
from publisher.posts.limits import one_line
from publisher.posts.lookup import load_post_by_id
from publisher.publishing.ledger import IN_DOUBT, PENDING, Ledger, State, TargetRecord, utc_now
from publisher.publishing.result import TargetResult, Verdict, log_target_event
from publisher.publishing.step import AdapterFactory, publish_target, real_or_dry_adapters
from publisher.publishing.targets import main_occurrence, parse_target_id, target_id

log = logging.getLogger("publisher.operations")


def publish_post(
    post_id: str,
    *,
    settings: Settings,
    ledger: Ledger,
    platforms: list[str] | None = None,
    dry_run: bool | None = None,
    adapter_factory: AdapterFactory | None = None,
) -> list[TargetResult]:
    """``publisher publish``: the post's main occurrence on each platform (or those named), now."""
    post = load_post_by_id(post_id, settings)
    chosen = list(post.platforms)
    if platforms:
        not_listed = [p for p in platforms if p not in post.platforms]
        if not_listed:
            raise ValueError(
                _("{names} not in the post's platforms ({platforms})").format(
                    names=", ".join(not_listed), platforms=", ".join(post.platforms)
                )
            )
        chosen = [p for p in post.platforms if p in platforms]
    occurrence = main_occurrence(post)
    return [
        publish_target(
            target_id(post.id, platform, occurrence),
            settings=settings,
            ledger=ledger,
            post=post,
            dry_run=dry_run,
            manual=True,
            adapter_factory=adapter_factory,
        )
        for platform in chosen
    ]


@dataclass(frozen=True)
class RetractResult:
    target_id: str
    platform: str
    done: bool
    message: str

    def line(self) -> str:
        return one_line(f"{self.platform}: {self.message}")  # a platform's error page, folded and escaped


def retract_post(
    post_id: str, *, settings: Settings, ledger: Ledger, adapter_factory: AdapterFactory | None = None
) -> list[RetractResult]:
    """``publisher retract``: delete every published copy the platform lets us delete; stop what is pending."""
    factory = adapter_factory or real_or_dry_adapters(settings, dry_run=False)
    results: list[RetractResult] = []
    for record in ledger.for_post(post_id):
        target, platform = record.target_id, record.platform
        where = record.permalink or record.remote_id or "?"
        if record.state in PENDING:
            ledger.transition(target, PENDING, State.CANCELLED, reason=State.RETRACTED)
            archive_settled(settings, ledger, target)
            results.append(
                RetractResult(
                    target,
                    platform,
                    True,
                    _("cancelled ({state}, never published)").format(state=label(record.state)),
                )
            )
        elif record.state == State.SENDING:
            results.append(RetractResult(target, platform, False, _("being sent right now: run retract again soon")))
        elif record.state == State.UNKNOWN:
            results.append(
                RetractResult(target, platform, False, _("may or may not be up: check the account and delete by hand"))
            )
        elif record.state == State.PUBLISHED:
            results.append(_retract_one(ledger, record, settings, factory, where))
        elif record.state == State.RETRACTED:
            results.append(RetractResult(target, platform, True, _("already retracted {where}").format(where=where)))
    for result in results:
        state = State.RETRACTED if result.done else Verdict.RETRACT_FAILED
        log_target_event(state, result.target_id, state, None, result.message)
    return results


def retract_target(
    target: str, *, settings: Settings, ledger: Ledger, adapter_factory: AdapterFactory | None = None
) -> RetractResult:
    """Delete one published copy where the platform allows it (``supersedes`` uses this per platform)."""
    record = ledger.get(target)
    if record is None or record.state != State.PUBLISHED:
        platform = parse_target_id(target)[1]
        return RetractResult(target, platform, True, _("not published; nothing to retract"))
    factory = adapter_factory or real_or_dry_adapters(settings, dry_run=False)
    return _retract_one(ledger, record, settings, factory, record.permalink or record.remote_id or "?")


def _retract_one(
    ledger: Ledger, record: TargetRecord, settings: Settings, factory: AdapterFactory, where: str
) -> RetractResult:
    target, platform = record.target_id, record.platform
    problem = unconfigured_message(platform, settings)
    if problem is not None or not record.remote_id:
        why = problem or _("no remote id was recorded")
        return RetractResult(target, platform, False, _("delete by hand: {where} ({why})").format(where=where, why=why))
    try:
        deleted = factory(platform, on_progress=None).delete(record.remote_id)
    except Exception as exc:
        log.exception("target=%s delete raised", target)
        deleted = DeleteResult(False, f"delete failed ({exc}); delete by hand: {where}")
    if deleted.done:
        ledger.transition(target, [State.PUBLISHED], State.RETRACTED, retracted_at=utc_now(), reason=deleted.message)
        archive_settled(settings, ledger, target)
        return RetractResult(target, platform, True, f"deleted {where}")
    ledger.transition(target, [State.PUBLISHED], State.PUBLISHED, reason=f"retract failed: {deleted.message}")
    return RetractResult(
        target, platform, False, _("still up at {where}: {why}").format(where=where, why=deleted.message)
    )


@dataclass(frozen=True)
class DoctorLine:
    name: str
    ok: bool
    message: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.name}: {one_line(self.message)}"


def doctor(settings: Settings, *, adapter_factory: AdapterFactory | None = None) -> list[DoctorLine]:
    """``publisher doctor``: settings, Redis, then each platform's credentials with a read-only call.

    Always the real transport, even with ``PUBLISHER_DRY_RUN``: a dry-run answer would say every token is fine.
    An unconfigured platform is a failure only when a ready post lists it.
    """
    lines: list[DoctorLine] = []
    report = check_paths(None, settings) if settings.posts_dir.is_dir() else None
    if report is None:
        lines.append(
            DoctorLine("posts", False, _("posts folder {path} does not exist").format(path=settings.posts_dir))
        )
    else:
        lines.append(
            DoctorLine(
                "posts",
                not report.errors,
                _("{valid} valid, {errors} error(s)").format(valid=len(report.posts), errors=len(report.errors)),
            )
        )
    try:
        connect(settings).ping()
        lines.append(DoctorLine("redis", True, _("reachable")))
    except Exception as exc:
        lines.append(
            DoctorLine("redis", False, _("not reachable: {error}").format(error=f"{type(exc).__name__}: {exc}"))
        )

    used = {p for post in (report.posts if report else []) if post.is_ready for p in post.platforms}
    factory = adapter_factory or real_or_dry_adapters(settings, dry_run=False)
    for name, cls in adapter_classes().items():
        problem = unconfigured_message(name, settings)
        if problem is not None:
            needed = name in used
            note = _("; ready posts list it") if needed else " " + _("(no ready post lists it)")
            lines.append(DoctorLine(name, not needed, problem + note))
            continue
        if cls.needs_public_media_url and not (settings.media_dir and settings.media_base_url):
            lines.append(
                DoctorLine(name, False, _("needs PUBLISHER_MEDIA_DIR and PUBLISHER_MEDIA_BASE_URL (images by URL)"))
            )
            continue
        try:
            checked = factory(name, on_progress=None).check_credentials()
        except Exception as exc:
            checked = CredentialCheck(
                False, _("{platform}: the credential check failed: {error}").format(platform=cls.label, error=exc)
            )
        lines.append(DoctorLine(name, checked.ok, checked.message))
    return lines


def resolve_target(
    target: str,
    *,
    ledger: Ledger,
    published: bool,
    remote_id: str | None = None,
    permalink: str | None = None,
    settings: Settings | None = None,
) -> bool:
    """A person looked at the account: settle an ``unknown`` (or stuck ``sending``) target either way.
    With ``settings`` the resolution is archived at once (else the worker's catch-up archives it)."""
    moved = _resolve(target, ledger=ledger, published=published, remote_id=remote_id, permalink=permalink)
    if moved and settings is not None:
        archive_settled(settings, ledger, target)
    return moved


def _resolve(target: str, *, ledger: Ledger, published: bool, remote_id: str | None, permalink: str | None) -> bool:
    if published:
        return ledger.transition(
            target,
            IN_DOUBT,
            State.PUBLISHED,
            remote_id=remote_id or permalink or "resolved-by-hand",
            permalink=permalink,
            published_at=utc_now(),
            reason="resolved by hand: published",
        )
    return ledger.transition(
        target,
        IN_DOUBT,
        State.FAILED,
        retryable=True,
        outcome=Outcome.TRANSIENT,
        error="resolved by hand: not published; it will be sent again",
    )
