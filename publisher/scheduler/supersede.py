"""A post that ``supersedes`` another: once it is out on a platform, the old copy there is retracted.

Sync cancels the old post's pending targets. Retraction of the old post's published copy on one platform goes
through one function, :func:`retract_target` — the publish step's per-target retraction with the platform's
adapter. ``PUBLISHER_RETRACT_HOOK`` (``module:function``) replaces it in tests, like the publish hook. Where the
platform cannot delete, the old record's reason says what a person must do, and `publisher status` shows it.
"""

from __future__ import annotations

import importlib
import logging
import os

from publisher.infra.settings import Settings
from publisher.publishing.ledger import Ledger, State
from publisher.publishing.verbs import retract_target as retract_one
from publisher.scheduler.runtime import Runtime

log = logging.getLogger(__name__)

RETRACT_HOOK_ENV = "PUBLISHER_RETRACT_HOOK"


def retract_superseded(runtime: Runtime, old_post_id: str, platform: str, *, by: str) -> str:
    retract = _retract_function()
    notes = []
    for record in runtime.ledger.for_post(old_post_id):
        if record.platform != platform or record.state != State.PUBLISHED:
            continue
        message = retract(record.target_id, settings=runtime.settings, ledger=runtime.ledger)
        note = f"{record.target_id} (superseded by {by}): {message}"
        log.info(note)
        notes.append(note)
    return "; ".join(notes)


def retract_target(target_id: str, *, settings: Settings, ledger: Ledger) -> str:
    """Delete one published copy where the platform allows it; says what was done or must be done by hand."""
    return retract_one(target_id, settings=settings, ledger=ledger).message


def _retract_function():
    module_name, _, name = os.environ.get(RETRACT_HOOK_ENV, f"{__name__}:retract_target").partition(":")
    return getattr(importlib.import_module(module_name), name)
