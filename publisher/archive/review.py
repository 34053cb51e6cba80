"""What people are shown about approvals: ``publisher check``'s warnings, ``status``'s lines, the review site.

One gate decision per post, asked exactly as the publish step asks it (:func:`publisher.archive.approvals.gate`),
so what a person reads is what the worker will do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from publisher.archive.approvals import GateDecision, GateState, approve_command, gate
from publisher.archive.database import database_url
from publisher.archive.outcomes import Archive, ArchivedEvent
from publisher.infra.settings import Settings
from publisher.posts.check import CheckReport
from publisher.posts.model import Post
from publisher.posts.problems import warning


def approval_states(posts: Iterable[Post], settings: Settings) -> dict[str, GateDecision]:
    """The gate's decision for each ready post; empty when PUBLISHER_REQUIRE_APPROVAL is off."""
    if not settings.require_approval:
        return {}
    return {post.id: gate(post, settings) for post in posts if post.is_ready}


def approval_text(post_id: str, decision: GateDecision) -> str:
    """``approval missing: publisher approve ID --by NAME``, ``approval outdated: ...``, ``approved by ...``."""
    if decision.state == GateState.MISSING:
        return f"approval missing: {approve_command(post_id)}"
    return decision.message


def add_approval_warnings(report: CheckReport, settings: Settings) -> None:
    """``publisher check``: a ready post that would wait for an approval is a warning on its file's first line.
    (Not in :func:`publisher.posts.check.check_paths` itself: the beat's sync runs that every few seconds.)"""
    if not settings.require_approval:
        return
    for result in report.results:
        if not (result.ok and result.post is not None and result.post.is_ready):
            continue
        decision = gate(result.post, settings)
        if not decision.allowed:
            result.problems.append(warning(result.display, 1, approval_text(result.post.id, decision)))


LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class ArchiveView:
    """What the review site shows of one post from the archive: its approval state and its archived history."""

    state: GateState
    approval: str  # "approved by ...", "approval outdated: ...", "approval missing: publisher approve ..."
    command: str | None  # the exact command that approves the current version, while it is not approved
    history: list[ArchivedEvent]


def archive_is_local(settings: Settings) -> bool:
    """The preview opens no outside socket: it reads the archive only from an SQLite file or a server on this
    machine (loopback or a unix socket)."""
    url = database_url(settings)
    return url.get_backend_name() == "sqlite" or not url.host or url.host in LOOPBACK_HOSTS


def archive_views(posts: Iterable[Post], settings: Settings) -> tuple[dict[str, ArchiveView], str | None]:
    """Each post's :class:`ArchiveView`, and a note for the site when the archive could not be read."""
    if not archive_is_local(settings):
        return {}, "the archive is on another machine: approvals and history are not shown (`publisher audit`)"
    required = settings.model_copy(update={"require_approval": True})  # the state, whether or not it is enforced
    try:
        events = Archive.from_settings(settings).events()
        views = {}
        for post in posts:
            decision = gate(post, required)
            text = approval_text(post.id, decision)
            if not settings.require_approval:
                text += " (not required here: PUBLISHER_REQUIRE_APPROVAL is off)"
            command = None if decision.allowed else approve_command(post.id)
            views[post.id] = ArchiveView(decision.state, text, command, [e for e in events if e.post_id == post.id])
        return views, None
    except (SQLAlchemyError, OSError) as exc:
        return {}, f"the archive could not be read ({type(exc).__name__}): approvals and history are not shown"
