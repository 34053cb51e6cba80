"""The words a person reads for the enums' values (docs/glossary.md): one place, so a state is always the same word.

The values themselves (``published``, ``draft`` ...) stay what logs, JSON and post files use; these are for screens.
"""

from __future__ import annotations

from publisher.i18n import N_, _
from publisher.posts.model import Kind, Status
from publisher.publishing.ledger import State

KIND_LABELS = {
    Kind.SERVICE_UPDATE: N_("Service update"),
    Kind.POLICY_CHANGE: N_("Policy change"),
    Kind.EVENT_REMINDER: N_("Event reminder"),
}
STATUS_LABELS = {Status.DRAFT: N_("draft"), Status.READY: N_("ready"), "invalid": N_("invalid")}
STATE_LABELS = {
    State.SCHEDULED: N_("scheduled"),
    State.SENDING: N_("sending"),
    State.PUBLISHED: N_("published"),
    State.FAILED: N_("failed"),
    State.UNKNOWN: N_("unknown"),
    State.SKIPPED: N_("skipped"),
    State.MISSED: N_("missed"),
    State.CANCELLED: N_("cancelled"),
    State.RETRACTED: N_("retracted"),
    "refused": N_("refused"),  # publisher.publishing.result.Verdict
    "retract-failed": N_("retract-failed"),
}

SEVERITY_LABELS = {"error": N_("error"), "warning": N_("warning")}  # publisher check's keywords stay English


def label(value: str) -> str:
    """The word for a kind, post status, target state or severity in the active language (unknown: the value)."""
    for labels in (KIND_LABELS, STATUS_LABELS, STATE_LABELS, SEVERITY_LABELS):
        if value in labels:
            return _(labels[value])  # type: ignore[index]
    return str(value)
