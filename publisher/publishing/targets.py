"""A post → its publications (when it goes out), and a publication × platform → a target (one ledger entry).

A plain post has one publication, ``main``, at ``publish_at``. An event reminder also has one per offset in
``event.reminders`` (``reminder-7d``), each with its own card label ("7 hari lagi", "Besok", "2 jam lagi"). A post
with ``repeat`` has one per cron occurrence (``repeat-20261203T0800``) in a rolling window from a day before now to
a horizon ahead, so each occurrence is its own ledger target and a standing repeat never runs out, whatever its age.
Every publication carries its deadline: the earlier of ``valid_until`` and the event start; past it the publication
is skipped, never sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from croniter import CroniterError, croniter

from publisher.posts.limits import REPEAT_HORIZON, REPEAT_LOOKBACK, REPEAT_MAX
from publisher.posts.model import Post, Reminder

MAIN = "main"


@dataclass(frozen=True)
class Publication:
    post_id: str
    occurrence: str
    due_at: datetime
    deadline: datetime | None = None
    label: str | None = None  # the card's countdown badge for a reminder, in Indonesian
    label_en: str | None = None

    def target_id(self, platform: str) -> str:
        return target_id(self.post_id, platform, self.occurrence)


def target_id(post_id: str, platform: str, occurrence: str = MAIN) -> str:
    return f"{post_id}/{platform}/{occurrence}"


def parse_target_id(value: str) -> tuple[str, str, str]:
    post_id, platform, occurrence = value.split("/", 2)
    return post_id, platform, occurrence


def deadline_of(post: Post) -> datetime | None:
    bounds = [t for t in (post.valid_until, post.event.starts_at if post.event else None) if t is not None]
    return min(bounds) if bounds else None


def publications(post: Post, *, now: datetime | None = None) -> list[Publication]:
    """Every publication of ``post`` in due order. Repeats are expanded up to ``now`` + the horizon."""
    deadline = deadline_of(post)
    if post.repeat:
        found = _repeats(post, deadline, now)
    else:
        found = [Publication(post.id, MAIN, post.publish_at, deadline)]
    starts_at = post.event.starts_at if post.event else None
    if starts_at is not None and post.event is not None:
        for reminder in post.event.reminders:
            found.append(
                Publication(
                    post.id,
                    f"reminder-{reminder.label}",
                    starts_at - reminder.offset,
                    deadline,
                    label=reminder_label(reminder),
                    label_en=reminder_label(reminder, english=True),
                )
            )
    return sorted(found, key=lambda p: (p.due_at, p.occurrence))


def _repeats(post: Post, deadline: datetime | None, now: datetime | None) -> list[Publication]:
    """Occurrences from shortly before ``now`` (those being published stay part of the post) up to the horizon.

    Counted from ``now``, not from ``publish_at``: a daily post started months ago still has its next ones."""
    assert post.repeat is not None
    if now is not None:  # cron fields are read in the zone of the start time: the post's own
        now = now.astimezone(post.publish_at.tzinfo)
    horizon = max(post.publish_at, now or post.publish_at) + REPEAT_HORIZON
    end = min(horizon, deadline) if deadline else horizon
    dues: list[datetime] = []
    if now is not None and now > post.publish_at:
        back = croniter(post.repeat, now - timedelta(seconds=1))
        earliest = max(post.publish_at, now - REPEAT_LOOKBACK)
        while len(dues) < REPEAT_MAX // 4 and (due := _step(back, forward=False)) is not None and due >= earliest:
            dues.insert(0, due)
    ahead = croniter(post.repeat, max(post.publish_at, now or post.publish_at) - timedelta(seconds=1))
    while len(dues) < REPEAT_MAX and (due := _step(ahead, forward=True)) is not None and due <= end:
        dues.append(due)
    return [Publication(post.id, f"repeat-{due:%Y%m%dT%H%M}", due, deadline) for due in dues]


def _step(series: croniter, *, forward: bool) -> datetime | None:
    try:
        due: datetime = series.get_next(datetime) if forward else series.get_prev(datetime)
    except (CroniterError, OverflowError, ValueError):  # a date that never comes (check refuses it; stay safe)
        return None
    return due


def reminder_label(reminder: Reminder, *, english: bool = False) -> str:
    """``1d`` → "Besok", ``3d`` → "3 hari lagi", ``2h`` → "2 jam lagi" (English: "Tomorrow", "In 3 days")."""
    total = reminder.offset
    days, rest = total.days, total.seconds
    hours, minutes = rest // 3600, (rest % 3600) // 60
    if days == 1 and not hours and not minutes:
        return "Tomorrow" if english else "Besok"
    parts_id, parts_en = [], []
    for amount, id_unit, en_unit in ((days, "hari", "day"), (hours, "jam", "hour"), (minutes, "menit", "minute")):
        if amount:
            parts_id.append(f"{amount} {id_unit}")
            parts_en.append(f"{amount} {en_unit}{'s' if amount > 1 else ''}")
    return f"In {' '.join(parts_en)}" if english else f"{' '.join(parts_id)} lagi"


def find_publication(post: Post, occurrence: str, *, now: datetime | None = None) -> Publication | None:
    for publication in publications(post, now=now):
        if publication.occurrence == occurrence:
            return publication
    if post.repeat and occurrence.startswith("repeat-"):
        # An occurrence beyond the expansion horizon (a late retry): rebuild it from its name.
        try:
            due = datetime.strptime(occurrence.removeprefix("repeat-"), "%Y%m%dT%H%M")
        except ValueError:
            return None

        return Publication(post.id, occurrence, due.replace(tzinfo=post.publish_at.tzinfo), deadline_of(post))
    return None


def main_occurrence(post: Post, *, now: datetime | None = None) -> str:
    """What ``publisher publish POST_ID`` sends: ``main``, or for a repeating post its next occurrence."""
    found = [p for p in publications(post, now=now) if not p.occurrence.startswith("reminder-")]
    if not found or any(p.occurrence == MAIN for p in found):
        return MAIN
    now = now or datetime.now(UTC)
    upcoming = [p for p in found if p.due_at >= now]
    return (upcoming[0] if upcoming else found[-1]).occurrence
