"""Reading a month for the report out of what is stored.

TO BE REPLACED by the collection helper's ``load_report_data`` (issue 13, archive side), which reads snapshots,
replies and audience figures from the archive's tables. This stand-in reads only what exists in this branch: the
month's archived outcomes (``Archive.events``, real runs only) and the SKM results kept by ``SurveyStore``;
snapshots, replies and audience are empty lists.
"""

from __future__ import annotations

from datetime import UTC, datetime

from publisher.archive.outcomes import Archive, ArchivedEvent, ArchiveState
from publisher.infra.settings import Settings
from publisher.listening.month import month_bounds, month_start
from publisher.listening.report_data import PublicationRow, ReportData, SkmRow
from publisher.listening.skm import COLUMNS, Period
from publisher.listening.survey import SurveyStore
from publisher.posts.check import check_paths


def load_report_data(settings: Settings, month: str) -> ReportData:
    since, until = month_bounds(month, settings.tz)
    events = [e for e in Archive.from_settings(settings).events(since, until) if not e.dry_run]
    posts = {r.post_id: r.post for r in check_paths(None, settings).results if r.post is not None}
    return ReportData(
        month=month,
        office=settings.brand.office,
        generated_at=datetime.now(UTC),
        publications=[_publication(e, posts.get(e.post_id)) for e in events],
        skm=_skm_rows(SurveyStore.from_settings(settings), month),
    )


def _publication(event: ArchivedEvent, post: object | None) -> PublicationRow:
    """The archive keeps no title or kind: they come from the post file while it exists (else the id)."""
    kind = getattr(post, "kind", None)
    return PublicationRow(
        post_id=event.post_id,
        occurrence=event.occurrence,
        platform=event.platform,
        kind=str(kind.value if kind is not None else ""),
        title=str(getattr(post, "title", None) or event.post_id),
        state=event.state,
        due_at=event.due_at,
        settled_at=event.settled_at,
        remote_id=event.remote_id,
        permalink=event.permalink,
        approved_by=event.approved_by,
        error=event.detail if event.state in (ArchiveState.FAILED, ArchiveState.UNKNOWN, ArchiveState.MISSED) else None,
    )


def _skm_rows(store: SurveyStore, month: str) -> list[SkmRow]:
    rows = []
    for text in store.periods():
        if not period_touches(text, month):
            continue
        record = store.load(Period.parse(text))
        if record is None:
            continue
        nrr = tuple(float(record["nrr"][column]) for column in COLUMNS)
        rows.append(SkmRow(record["period"], float(record["ikm"]), record["category"], record["respondents"], nrr))
    return rows


def period_touches(period: str, month: str) -> bool:
    """``2026-Q4`` touches ``2026-11``; ``2026`` touches every month of 2026."""
    first = month_start(month)
    year, _, part = period.upper().partition("-")
    if int(year) != first.year:
        return False
    if not part:
        return True
    if part[0] == "Q":
        return (first.month - 1) // 3 + 1 == int(part[1])
    if part[0] == "S":
        return (first.month - 1) // 6 + 1 == int(part[1])
    return int(part) == first.month
