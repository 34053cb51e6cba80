"""The words a person reads for the enums' values (docs/glossary.md): one place, so a state is always the same word.

The values themselves (``published``, ``draft`` ...) stay what logs, JSON and post files use; these are for screens.
Kinds, post statuses and severities are listed here; the modules that own the other enums register theirs
(:mod:`publisher.publishing.ledger` its states, :mod:`publisher.publishing.result` its verdicts), so this module
imports none of them and any of them may use :func:`label`.
"""

from __future__ import annotations

from collections.abc import Mapping

from publisher.i18n import N_, _
from publisher.posts.model import Kind, Status

KIND_LABELS: dict[str, str] = {
    Kind.SERVICE_UPDATE: N_("Service update"),
    Kind.POLICY_CHANGE: N_("Policy change"),
    Kind.EVENT_REMINDER: N_("Event reminder"),
}
STATUS_LABELS: dict[str, str] = {Status.DRAFT: N_("draft"), Status.READY: N_("ready"), "invalid": N_("invalid")}
SEVERITY_LABELS = {"error": N_("error"), "warning": N_("warning")}  # publisher check's keywords stay English

_WORDS: dict[str, str] = {**KIND_LABELS, **STATUS_LABELS, **SEVERITY_LABELS}


def register(words: Mapping[str, str]) -> None:
    """An enum's display words (source strings marked with ``N_``), keyed by its members."""
    _WORDS.update(words)


def label(value: str) -> str:
    """The word for a kind, post status, target state or severity in the active language (unknown: the value)."""
    word = _WORDS.get(value)
    return _(word) if word is not None else str(value)
