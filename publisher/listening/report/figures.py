"""The report's figures, computed once from the rows of a :class:`ReportData`: every output draws these.

Decisions the issue leaves open, written once here:

- *Went out*: a publication, a retraction (it was up before it was taken down) or a target resolved by hand with a
  remote id. *Late*: settled more than :data:`LATE_AFTER` (5 minutes) after it was due — a beat tick, a queue and
  a platform's answer fit in that, a slot missed does not. A target with no ``due_at`` (``publisher publish`` now)
  is neither: "tanpa jadwal".
- *Per post*, a metric is its latest snapshot (the +30 d one at the month's end, the +1 h one for a post of the
  last day). Reach is one named metric per platform (:data:`REACH`); engagement is the sum of the platform's
  interaction counters (:data:`ENGAGEMENT`). A sum with some counters missing is shown with what it lacks; a sum
  with all missing is missing — never 0.
- A metric the platform does not offer at all (Telegram's views, reach on Mastodon and Bluesky) is
  :attr:`Value.not_offered`, shown "tidak tersedia"; one it offers but did not return is shown "tidak ada data".
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from publisher.archive.outcomes import ArchiveState
from publisher.listening.month import month_start
from publisher.listening.report_data import AudienceRow, PublicationRow, ReplyRow, ReportData, SkmRow, SnapshotRow
from publisher.listening.skm import UNSUR, Period
from publisher.text.dates import MONTHS

LATE_AFTER = timedelta(minutes=5)
TOP_POSTS = 10
# The metric that says how many people saw a post, per platform (its own name). X counts impressions, the Graph
# platforms views or reach; Mastodon and Bluesky report no such figure, Telegram's Bot API none per post.
REACH = {
    "facebook": "post_total_media_view_unique",
    "instagram": "reach",
    "x": "impression_count",
    "threads": "views",
    "telegram": "views",
}
# The counters that are someone doing something with a post. Instagram's total_interactions is left out: it is
# the sum of the others, and adding it would count them twice.
ENGAGEMENT = {
    "facebook": ("reactions", "comments", "shares"),
    "instagram": ("likes", "comments", "shares", "saved"),
    "x": ("like_count", "reply_count", "retweet_count", "quote_count", "bookmark_count"),
    "mastodon": ("favourites_count", "reblogs_count", "replies_count"),
    "bluesky": ("likeCount", "repostCount", "replyCount", "quoteCount"),
    "threads": ("likes", "replies", "reposts", "quotes", "shares"),
}
# (platform, metric) that the platform's API never gives per post: "tidak tersedia", not a gap in the data.
NOT_OFFERED = {("telegram", "views")}
KIND_LABELS = {
    "service-update": "Info layanan",
    "policy-change": "Perubahan kebijakan",
    "event-reminder": "Pengingat kegiatan",
}
WENT_OUT = (ArchiveState.PUBLISHED, ArchiveState.RETRACTED)
TROUBLE = (ArchiveState.FAILED, ArchiveState.UNKNOWN, ArchiveState.MISSED)


class Timing(StrEnum):
    ON_TIME = "tepat waktu"
    LATE = "terlambat"
    UNSCHEDULED = "tanpa jadwal"


@dataclass(frozen=True)
class Value:
    """A figure that may be missing. ``lacking``: the counters a sum was made without."""

    number: int | None
    not_offered: bool = False
    lacking: tuple[str, ...] = ()

    @property
    def missing(self) -> bool:
        return self.number is None


def month_label(month: str) -> str:
    """``2026-12`` → ``Desember 2026``."""
    first = month_start(month)
    return f"{MONTHS[first.month - 1]} {first.year}"


def went_out(row: PublicationRow) -> bool:
    return row.state in WENT_OUT or (row.state == ArchiveState.RESOLVED and bool(row.remote_id or row.permalink))


def timing(row: PublicationRow) -> Timing:
    if row.due_at is None:
        return Timing.UNSCHEDULED
    return Timing.LATE if row.settled_at - row.due_at > LATE_AFTER else Timing.ON_TIME


# --- metrics per published target ---------------------------------------------------------------------------

TargetKey = tuple[str, str, str]  # post_id, occurrence, platform


def latest_metrics(snapshots: Iterable[SnapshotRow]) -> dict[TargetKey, dict[str, int | None]]:
    """Each target's metrics as of its latest snapshot of each metric."""
    newest: dict[tuple[TargetKey, str], SnapshotRow] = {}
    for row in snapshots:
        key = ((row.post_id, row.occurrence, row.platform), row.metric)
        held = newest.get(key)
        if held is None or row.fetched_at >= held.fetched_at:
            newest[key] = row
    metrics: dict[TargetKey, dict[str, int | None]] = defaultdict(dict)
    for (target, metric), row in newest.items():
        metrics[target][metric] = row.value
    return metrics


def reach_of(platform: str, metrics: dict[str, int | None]) -> Value:
    name = REACH.get(platform)
    if name is None or (platform, name) in NOT_OFFERED:
        return Value(None, not_offered=True)
    number = metrics.get(name)
    return Value(number, lacking=() if number is not None else (name,))


def engagement_of(platform: str, metrics: dict[str, int | None]) -> Value:
    names = ENGAGEMENT.get(platform)
    if not names:
        return Value(None, not_offered=True)
    present = [number for n in names if (number := metrics.get(n)) is not None]
    lacking = tuple(n for n in names if metrics.get(n) is None)
    return Value(sum(present), lacking=lacking) if present else Value(None, lacking=lacking)


def add(values: Sequence[Value]) -> Value:
    """A total over targets: missing only when every part is; what a part lacked is named in ``lacking``."""
    numbers = [v.number for v in values if v.number is not None]
    lacking = tuple(sorted({name for v in values for name in v.lacking}))
    if not numbers:
        return Value(None, not_offered=bool(values) and all(v.not_offered for v in values), lacking=lacking)
    return Value(sum(numbers), lacking=lacking)


# --- the report's tables --------------------------------------------------------------------------------------


@dataclass
class Outgoing:
    """Publications counted by timing, for a kind, a platform or the whole month."""

    label: str
    counts: Counter[Timing] = field(default_factory=Counter)
    trouble: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def count(self, row: PublicationRow) -> None:
        if went_out(row):
            self.counts[timing(row)] += 1
        elif row.state in TROUBLE:
            self.trouble += 1


@dataclass(frozen=True)
class TargetLine:
    """One published target with its latest metrics."""

    post_id: str
    occurrence: str
    platform: str
    title: str
    kind: str
    permalink: str | None
    reach: Value
    engagement: Value


@dataclass(frozen=True)
class PlatformLine:
    platform: str
    outgoing: Outgoing
    reach: Value
    engagement: Value
    targets: int  # published targets with metrics or a publication this month


@dataclass(frozen=True)
class PostTotal:
    post_id: str
    title: str
    platforms: tuple[str, ...]
    reach: Value
    engagement: Value


@dataclass(frozen=True)
class Question:
    reply: ReplyRow
    title: str


@dataclass(frozen=True)
class SkmView:
    row: SkmRow
    unsur: tuple[tuple[str, float], ...]  # (label, NRR) U1 … U9

    @property
    def label(self) -> str:
        """The period as the office writes it: "Triwulan IV 2026"."""
        try:
            return Period.parse(self.row.period).label
        except ValueError:
            return self.row.period


@dataclass
class Figures:
    month: str
    label: str
    office: str
    generated_at: datetime
    total: Outgoing
    by_kind: list[Outgoing]
    platforms: list[PlatformLine]
    targets: list[TargetLine]
    posts: list[PostTotal]
    questions: list[Question]
    replies: int
    trouble: list[PublicationRow]
    approvals: list[tuple[str, list[PublicationRow]]]
    unapproved: int
    skm: list[SkmView]
    audience: list[AudienceRow]
    snapshots: int

    @property
    def top_posts(self) -> list[PostTotal]:
        ranked = [p for p in self.posts if p.engagement.number is not None]
        ranked.sort(key=lambda p: (-(p.engagement.number or 0), p.title))
        return ranked[:TOP_POSTS]

    @property
    def unanswered(self) -> int:
        return sum(1 for q in self.questions if not q.reply.answered)

    @property
    def reach(self) -> Value:
        return add([p.reach for p in self.platforms])

    @property
    def engagement(self) -> Value:
        return add([p.engagement for p in self.platforms])


def compute(data: ReportData) -> Figures:
    """Every figure the report shows, from the rows alone."""
    publications = sorted(data.publications, key=lambda r: (r.settled_at, r.post_id, r.platform))
    titles = {r.post_id: r.title for r in publications}
    targets = target_lines(publications, data.snapshots, titles)
    total = Outgoing("Semua")
    by_kind: dict[str, Outgoing] = {}
    for row in publications:
        total.count(row)
        by_kind.setdefault(row.kind, Outgoing(KIND_LABELS.get(row.kind, row.kind))).count(row)
    questions = [Question(r, titles.get(r.post_id, r.post_id)) for r in data.replies if r.is_question]
    questions.sort(key=lambda q: (q.reply.answered, q.reply.created_at or data.generated_at))
    approvals, unapproved = approval_groups(publications)
    return Figures(
        month=data.month,
        label=month_label(data.month),
        office=data.office,
        generated_at=data.generated_at,
        total=total,
        by_kind=[by_kind[k] for k in sorted(by_kind, key=_kind_order)],
        platforms=platform_lines(publications, targets),
        targets=targets,
        posts=post_totals(targets),
        questions=questions,
        replies=len(data.replies),
        trouble=[r for r in publications if r.state in TROUBLE],
        approvals=approvals,
        unapproved=unapproved,
        skm=[SkmView(s, tuple(zip(UNSUR, s.nrr, strict=False))) for s in data.skm],
        audience=list(data.audience),
        snapshots=len(data.snapshots),
    )


def _kind_order(kind: str) -> tuple[int, str]:
    order = list(KIND_LABELS)
    return (order.index(kind) if kind in order else len(order), kind)


def target_lines(
    publications: Sequence[PublicationRow], snapshots: Iterable[SnapshotRow], titles: dict[str, str]
) -> list[TargetLine]:
    """The month's published targets and any target with snapshots (a post of last month read this month)."""
    metrics = latest_metrics(snapshots)
    rows: dict[TargetKey, PublicationRow | None] = {
        (r.post_id, r.occurrence, r.platform): r for r in publications if went_out(r)
    }
    for key in metrics:
        rows.setdefault(key, None)
    lines = []
    for (post_id, occurrence, platform), row in rows.items():
        found = metrics.get((post_id, occurrence, platform), {})
        lines.append(
            TargetLine(
                post_id=post_id,
                occurrence=occurrence,
                platform=platform,
                title=titles.get(post_id, post_id),
                kind=row.kind if row else "",
                permalink=row.permalink if row else None,
                reach=reach_of(platform, found),
                engagement=engagement_of(platform, found),
            )
        )
    return lines


def platform_lines(publications: Sequence[PublicationRow], targets: Sequence[TargetLine]) -> list[PlatformLine]:
    outgoing: dict[str, Outgoing] = {}
    for row in publications:
        outgoing.setdefault(row.platform, Outgoing(row.platform)).count(row)
    grouped: dict[str, list[TargetLine]] = defaultdict(list)
    for line in targets:
        grouped[line.platform].append(line)
    lines = []
    for platform in sorted(set(outgoing) | set(grouped)):
        mine = grouped.get(platform, [])
        # A platform where nothing went out has no figures, which is not a metric missing from its answers.
        reach = add([t.reach for t in mine]) if mine else Value(None, not_offered=reach_of(platform, {}).not_offered)
        engagement = add([t.engagement for t in mine]) if mine else Value(None, not_offered=platform not in ENGAGEMENT)
        out = outgoing.get(platform, Outgoing(platform))
        lines.append(PlatformLine(platform, out, reach, engagement, len(mine)))
    return lines


def post_totals(targets: Sequence[TargetLine]) -> list[PostTotal]:
    grouped: dict[str, list[TargetLine]] = defaultdict(list)
    for line in targets:
        grouped[line.post_id].append(line)
    return [
        PostTotal(
            post_id=post_id,
            title=lines[0].title,
            platforms=tuple(sorted({t.platform for t in lines})),
            reach=add([t.reach for t in lines]),
            engagement=add([t.engagement for t in lines]),
        )
        for post_id, lines in grouped.items()
    ]


def approval_groups(publications: Sequence[PublicationRow]) -> tuple[list[tuple[str, list[PublicationRow]]], int]:
    """Who approved what went out (approver → rows), and how many went out under no approval."""
    groups: dict[str, list[PublicationRow]] = defaultdict(list)
    unapproved = 0
    for row in publications:
        if not went_out(row):
            continue
        if row.approved_by:
            groups[row.approved_by].append(row)
        else:
            unapproved += 1
    return sorted(groups.items()), unapproved
