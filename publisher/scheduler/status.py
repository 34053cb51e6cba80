"""`publisher status`: every target from the ledger, what needs a person first, times in the office's zone.

Above the targets: how far the archive is behind the ledger (or that it cannot be reached), and with
``PUBLISHER_REQUIRE_APPROVAL`` each post still to go out with its approval state ("approval outdated", ...).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from rich.table import Table
from rich.text import Text

from publisher.archive.outcomes import archive_lag
from publisher.archive.review import approval_states, approval_text
from publisher.i18n import _
from publisher.i18n.labels import label
from publisher.publishing.ledger import State
from publisher.scheduler.runtime import Runtime
from publisher.scheduler.sync import load_stored_post
from publisher.text.dates import zone_name

# Needs a person first, then what is still to happen, then what is settled.
ORDER = [
    *(State.UNKNOWN, State.FAILED, State.MISSED),
    *(State.SENDING, State.SCHEDULED),
    *(State.PUBLISHED, State.RETRACTED, State.SKIPPED, State.CANCELLED),
]
NEEDS_A_PERSON = (State.UNKNOWN, State.FAILED)  # shouted in plain text
STYLES = {
    State.UNKNOWN: "bold red",
    State.FAILED: "red",
    State.MISSED: "yellow",
    State.PUBLISHED: "green",
    State.SENDING: "cyan",
}


@dataclass(frozen=True)
class Row:
    target: str
    state: State
    due: str | None  # ISO 8601 in the office's zone
    remote_id: str | None
    permalink: str | None
    error: str | None
    attempts: int
    dry_run: bool
    retrying: bool

    @property
    def due_text(self) -> str:
        if not self.due:
            return "-"
        moment = datetime.fromisoformat(self.due)
        return f"{moment:%Y-%m-%d %H:%M} {zone_name(moment)}"

    @property
    def state_text(self) -> str:
        text = label(self.state) + (" " + _("(retrying)") if self.retrying else "")
        return text + (" " + _("[dry run]") if self.dry_run else "")


@dataclass(frozen=True)
class Status:
    paused: bool
    rows: list[Row]
    archive_lag: int | None = 0  # settled outcomes not archived yet; None: the archive cannot be reached
    approvals: dict[str, str] = field(default_factory=dict)  # post id → its approval state, for posts still to go

    def to_json(self) -> str:
        return json.dumps(
            {
                "paused": self.paused,
                "archive": {"reachable": self.archive_lag is not None, "lag": self.archive_lag},
                "approvals": self.approvals,
                "targets": [asdict(r) for r in self.rows],
            },
            ensure_ascii=False,
        )

    def header_lines(self) -> list[str]:
        lines = [_("PAUSED: nothing is published until `publisher resume`")] if self.paused else []
        if self.archive_lag is None:
            lines.append("ARCHIVE UNREACHABLE: publishing goes on; the archive catches up when the database is back")
        elif self.archive_lag:
            lines.append(f"archive: {self.archive_lag} settled outcome(s) not archived yet (the worker catches up)")
        lines += [f"{post_id}: {text}" for post_id, text in sorted(self.approvals.items())]
        return lines


def collect(runtime: Runtime) -> Status:
    settings = runtime.settings
    real = runtime.settings.model_copy(update={"dry_run": False})
    dry = runtime.settings.model_copy(update={"dry_run": True})
    rows: list[Row] = []
    for is_dry, view in ((False, Runtime(real)), (True, Runtime(dry))):
        view.__dict__["redis"] = runtime.redis  # one connection for both namespaces
        records = view.ledger.all()
        scheduled = view.schedule.meta(r.target_id for r in records)
        for record in records:
            meta = scheduled.get(record.target_id)
            moment = datetime.fromtimestamp(meta.due, UTC) if meta else record.due_at
            rows.append(
                Row(
                    target=record.target_id,
                    state=record.state,
                    due=moment.astimezone(settings.tz).isoformat() if moment else None,
                    remote_id=record.remote_id,
                    permalink=record.permalink,
                    error=record.error or record.reason,
                    attempts=record.attempts,
                    dry_run=is_dry,
                    retrying=record.state == State.FAILED and record.retryable,
                )
            )

    def key(row: Row) -> tuple:
        rank = ORDER.index(row.state) if row.state in ORDER else len(ORDER)
        return (row.retrying, rank, row.due or "", row.target)

    return Status(
        paused=runtime.schedule.paused,
        rows=sorted(rows, key=key),
        archive_lag=archive_lag(settings, runtime.ledger),
        approvals=_approvals(runtime, {r.target.split("/")[0] for r in rows if r.state == State.SCHEDULED}),
    )


def _approvals(runtime: Runtime, post_ids: set[str]) -> dict[str, str]:
    """Each post with targets still to go out, as the worker will judge it (the post as sync last stored it)."""
    if not runtime.settings.require_approval:
        return {}
    posts = [post for post_id in sorted(post_ids) if (post := load_stored_post(runtime, post_id)) is not None]
    return {post_id: approval_text(post_id, d) for post_id, d in approval_states(posts, runtime.settings).items()}


def plain_text(status: Status) -> str:
    lines = status.header_lines()
    for row in status.rows:
        where = row.permalink or row.remote_id or ""
        parts = [row.state_text.upper() if row.state in NEEDS_A_PERSON else row.state_text, row.target]
        parts += [_("due {when}").format(when=row.due_text), _("attempts {count}").format(count=row.attempts)]
        if where:
            parts.append(where)
        if row.error:
            parts.append(row.error)
        lines.append("  ".join(parts))
    if not status.rows:
        lines.append(_("no targets yet: `publisher run` schedules the ready posts in the posts folder"))
    return "\n".join(lines)


def rich_table(status: Status) -> Table:
    title = _("Publisher status") + (" — " + _("PAUSED") if status.paused else "")
    notes = status.header_lines()[1 if status.paused else 0 :]
    table = Table(title=title, caption="\n".join(notes) or None, show_lines=False)
    for name in (_("state"), _("target"), _("due (WIB)"), _("attempts"), _("remote / permalink"), _("error / reason")):
        table.add_column(name, overflow="fold")
    for row in status.rows:
        # Text cells, not markup: an error message may well contain [brackets].
        table.add_row(
            Text(row.state_text, style=STYLES.get(row.state, "")),
            Text(row.target),
            Text(row.due_text),
            Text(str(row.attempts)),
            Text(row.permalink or row.remote_id or ""),
            Text(row.error or ""),
        )
    return table
