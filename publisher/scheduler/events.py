"""Settled publications as a stream, so a person watching ``publisher run`` sees one line per publication.

The worker announces each target it settles (published, failed, unknown, skipped, missed, cancelled) on a Redis
stream under the namespace (``sched:events``, the last :data:`KEEP` entries); ``publisher run`` follows the stream
and prints :meth:`Publication.line`. What is announced is read back from the ledger, the one record of the
outcome, so the line says what ``publisher status`` would say. Messages in the ledger are already masked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import cast
from zoneinfo import ZoneInfo

import redis

from publisher.publishing.ledger import State
from publisher.publishing.targets import parse_target_id
from publisher.scheduler.runtime import Runtime
from publisher.text.dates import format_time_id

KEEP = 1000  # a watcher that looks away longer than a thousand publications reads `publisher status` instead
SETTLED = (State.PUBLISHED, State.FAILED, State.UNKNOWN, State.SKIPPED, State.MISSED, State.CANCELLED)

# How each settled state reads to a person watching: what needs a person is shouted.
WORDS = {
    State.PUBLISHED: "terbit",
    State.FAILED: "GAGAL",
    State.UNKNOWN: "TIDAK PASTI",
    State.SKIPPED: "dilewati",
    State.MISSED: "terlewat",
    State.CANCELLED: "dibatalkan",
}


@dataclass(frozen=True)
class Publication:
    target: str
    state: State
    at: float  # when it was announced (epoch)
    link: str = ""
    message: str = ""
    dry_run: bool = False

    def line(self, tz: ZoneInfo) -> str:
        """``09.00 WIB  terbit (uji coba)  paspor-baru → telegram  https://...``."""
        post_id, platform, occurrence = parse_target_id(self.target)
        what = post_id if occurrence == "main" else f"{post_id} ({occurrence})"
        word = WORDS[self.state] + (" (uji coba)" if self.dry_run else "")
        when = format_time_id(datetime.fromtimestamp(self.at, tz))
        line = f"{when}  {word}  {what} → {platform}"
        if self.state == State.PUBLISHED:
            return f"{line}  {self.link}".rstrip()
        if self.state == State.UNKNOWN:
            return (
                f"{line}: {self.message.split(' — ')[0]} — periksa akunnya, lalu `publisher resolve {self.target} "
                "--published URL` atau `--not-published`"
            )
        return f"{line}: {self.message}" if self.message else line


def announce(runtime: Runtime, target_ids: Iterable[str], *, now: float) -> None:
    """Put each settled target on the stream, as the ledger now has it (a target not settled is left out)."""
    records = [r for r in (runtime.ledger.get(t) for t in target_ids) if r is not None and r.state in SETTLED]
    if not records:
        return
    pipe = runtime.redis.pipeline(transaction=False)
    for record in records:
        fields = {
            "target": record.target_id,
            "state": record.state.value,
            "at": repr(now),
            "link": record.permalink or "",
            "message": record.error or record.reason or "",
            "dry_run": "1" if runtime.ledger.dry_run else "",
        }
        pipe.xadd(runtime.schedule.keys.events, cast(dict, fields), maxlen=KEEP, approximate=True)
    pipe.execute()


def last_id(client: redis.Redis, key: str) -> str:
    """Where a watcher starting now begins: after the newest entry (``0-0`` when the stream is empty)."""
    newest = cast(list, client.xrevrange(key, count=1))
    return newest[0][0].decode() if newest else "0-0"


def follow(client: redis.Redis, key: str, after: str, *, block_ms: int) -> tuple[str, list[Publication]]:
    """The publications announced after ``after`` (waiting up to ``block_ms`` for the first), and the new position."""
    answer = cast(list, client.xread({key: after}, block=block_ms, count=100))
    publications = []
    for _stream, entries in answer:
        for entry_id, raw in entries:
            after = entry_id.decode()
            fields = {k.decode(): v.decode() for k, v in raw.items()}
            publications.append(
                Publication(
                    target=fields["target"],
                    state=State(fields["state"]),
                    at=float(fields["at"]),
                    link=fields.get("link", ""),
                    message=fields.get("message", ""),
                    dry_run=bool(fields.get("dry_run")),
                )
            )
    return after, publications
