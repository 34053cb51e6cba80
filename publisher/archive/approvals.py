"""Approvals pinned to the exact content: a second person says "this, byte for byte, may go out".

An approval records the post's full content SHA-256 (:meth:`Post.content_sha256`: every front matter field, the
body and the bytes of its ``image:``), the approver, a note, the time and the login that ran the command. Editing
the file afterwards changes the hash, so the approval no longer applies: the post waits ("approval outdated")
until someone approves the new content. Revoking keeps the row and stamps ``revoked_at``.

With ``PUBLISHER_REQUIRE_APPROVAL=true`` :func:`gate` is the publish step's question. When the database cannot be
reached the gate says UNAVAILABLE and the target waits: an approval that cannot be checked is not given.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import SQLAlchemyError

from publisher.archive.database import open_engine
from publisher.archive.tables import approvals
from publisher.i18n import _
from publisher.infra.settings import Settings
from publisher.posts.model import Post
from publisher.publishing.ledger import utc_now


class ApprovalRefused(ValueError):
    """``publisher approve`` said no: the message says why, for the person who asked."""


@dataclass(frozen=True)
class Approval:
    id: int
    post_id: str
    content_hash: str
    content_sha256: str
    approver: str
    note: str | None
    approved_at: datetime
    system_user: str | None
    revoked_at: datetime | None = None
    revoked_by: str | None = None


class GateState(StrEnum):
    APPROVED = "approved"
    NOT_REQUIRED = "not_required"  # PUBLISHER_REQUIRE_APPROVAL is off
    MISSING = "missing"  # nobody approved this post
    OUTDATED = "outdated"  # someone approved an earlier version of it
    UNAVAILABLE = "unavailable"  # the database cannot be reached: the approval cannot be checked


@dataclass(frozen=True)
class GateDecision:
    """The gate's answer with a message for people (it names the command that unblocks the post)."""

    state: GateState
    message: str
    approval: Approval | None = None

    @property
    def allowed(self) -> bool:
        return self.state in (GateState.APPROVED, GateState.NOT_REQUIRED)


def _engine(settings: Settings, engine: Engine | None) -> Engine:
    return engine if engine is not None else open_engine(settings)


def _system_user() -> str | None:
    try:
        return getpass.getuser()
    except Exception:  # no login name in a bare container (no USER, uid without a passwd entry)
        return None


def allowed_approver(name: str, settings: Settings) -> str:
    """The approver's name as PUBLISHER_APPROVERS spells it; raises :class:`ApprovalRefused` when not allowed."""
    name = name.strip()
    if not name:
        raise ApprovalRefused(_("name the approver: --by NAME"))
    if not settings.approvers:
        return name
    for allowed in settings.approvers:
        if allowed.casefold() == name.casefold():
            return allowed
    raise ApprovalRefused(
        _("{name!r} may not approve: PUBLISHER_APPROVERS lists {names}").format(
            name=name, names=", ".join(settings.approvers)
        )
    )


def approve(
    post: Post, by: str, note: str | None = None, *, settings: Settings, engine: Engine | None = None
) -> Approval:
    """Approve ``post`` as it is now. Refused (:class:`ApprovalRefused`) for an approver not in
    PUBLISHER_APPROVERS or one who is the post's ``author``. The post is valid by construction: the caller loads
    it the way ``publisher check`` does, and an invalid file is refused there."""
    approver = allowed_approver(by, settings)
    if post.author and post.author.strip().casefold() == approver.casefold():
        raise ApprovalRefused(
            _("{approver} wrote {id!r} (author: {author}): someone else must approve it (two-person rule)").format(
                approver=approver, id=post.id, author=post.author
            )
        )
    values = {
        "post_id": post.id,
        "content_hash": post.content_hash(),
        "content_sha256": post.content_sha256(),
        "approver": approver,
        "note": (note or "").strip() or None,
        "approved_at": utc_now(),
        "system_user": _system_user(),
    }
    with _engine(settings, engine).begin() as connection:
        new_id = connection.execute(approvals.insert().values(**values).returning(approvals.c.id)).scalar_one()
    return Approval(id=new_id, **values)  # type: ignore[arg-type]


def revoke(post_id: str, *, settings: Settings, engine: Engine | None = None) -> int:
    """Withdraw every approval of ``post_id`` still in force; returns how many were. The post file is not needed
    (a deleted post's approval can be revoked too)."""
    with _engine(settings, engine).begin() as connection:
        result = connection.execute(
            update(approvals)
            .where(approvals.c.post_id == post_id, approvals.c.revoked_at.is_(None))
            .values(revoked_at=utc_now(), revoked_by=_system_user())
        )
    return result.rowcount


def approvals_in_force(post_id: str, *, settings: Settings, engine: Engine | None = None) -> list[Approval]:
    """The post's approvals not revoked, newest first, whatever content they were for."""
    query = (
        select(approvals)
        .where(approvals.c.post_id == post_id, approvals.c.revoked_at.is_(None))
        .order_by(approvals.c.approved_at.desc(), approvals.c.id.desc())
    )
    with _engine(settings, engine).connect() as connection:
        return [Approval(**row._mapping) for row in connection.execute(query)]


def approval_for(post: Post, *, settings: Settings, engine: Engine | None = None) -> Approval | None:
    """The approval in force for the post's current content, or ``None``."""
    current = post.content_sha256()
    found = approvals_in_force(post.id, settings=settings, engine=engine)
    return next((a for a in found if a.content_sha256 == current), None)


def approve_command(post_id: str) -> str:
    return f"publisher approve {post_id} --by NAME"


def gate(post: Post, settings: Settings, *, engine: Engine | None = None) -> GateDecision:
    """May ``post`` be published as it is now? (The publish step asks before claiming a target.)"""
    if not settings.require_approval:
        return GateDecision(GateState.NOT_REQUIRED, _("approval not required (PUBLISHER_REQUIRE_APPROVAL is off)"))
    try:
        found = approvals_in_force(post.id, settings=settings, engine=engine)
    except SQLAlchemyError as exc:
        return GateDecision(
            GateState.UNAVAILABLE,
            _("waiting: the approval cannot be checked, the archive database is unreachable ({error})").format(
                error=type(exc).__name__
            ),
        )
    current = post.content_sha256()
    for approval in found:
        if approval.content_sha256 == current:
            when = approval.approved_at.astimezone(settings.tz)
            return GateDecision(
                GateState.APPROVED,
                _("approved by {approver} on {when}").format(approver=approval.approver, when=f"{when:%Y-%m-%d %H:%M}"),
                approval,
            )
    if found:
        latest = found[0]
        when = latest.approved_at.astimezone(settings.tz)
        return GateDecision(
            GateState.OUTDATED,
            _(
                "approval outdated: the post changed after {approver} approved it on {when}; "
                "approve the new version: {command}"
            ).format(approver=latest.approver, when=f"{when:%Y-%m-%d %H:%M}", command=approve_command(post.id)),
            latest,
        )
    return GateDecision(
        GateState.MISSING, _("waiting for approval: {command}").format(command=approve_command(post.id))
    )
