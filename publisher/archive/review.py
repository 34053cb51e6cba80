"""What people are shown about approvals: ``publisher check``'s warnings, ``status``'s lines, the review site.

One gate decision per post, asked exactly as the publish step asks it (:func:`publisher.archive.approvals.gate`),
so what a person reads is what the worker will do.
"""

from __future__ import annotations

from collections.abc import Iterable

from publisher.archive.approvals import GateDecision, GateState, approve_command, gate
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
