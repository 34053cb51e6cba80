"""``publisher preview``: a static review site of every post, as each platform would show it. No server needed.

The site is plain files that open from disk (``file://``): ``index.html`` (every post, filters, the coming month as
a calendar), one page per post (each platform's card in a mock of its post frame, the exact caption with its count
against the limit, alt text, English version, reminder cards), ``style.css`` and the card images. It uses the same
code as publishing — :func:`publisher.posts.check.check_paths`, :func:`publisher.text.captions.build_caption`, the card
renderer and :func:`publisher.publishing.targets.publications` — so what the reviewer sees is what would be sent.

Nothing here opens a socket: no fonts, scripts or images come from anywhere but the site's own folder. The
ledger is read only when the caller passes one (the CLI does so for a configured Redis it is allowed to reach).
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import regex
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from publisher.adapters.base import Adapter
from publisher.adapters.registry import adapter_classes
from publisher.archive.review import ArchiveView, archive_views
from publisher.i18n import _, current_language, ngettext
from publisher.i18n.labels import label
from publisher.infra.settings import Settings
from publisher.listening.store import EngagementStore
from publisher.posts.check import NOT_CONFIGURED, CheckReport, check_paths, find_post_files
from publisher.posts.model import Kind, Post
from publisher.posts.problems import LoadResult, Problem
from publisher.preview.render import (
    CardFile,
    CardJob,
    CardRenderer,
    refuse_links_out,
    write_if_changed,
)
from publisher.publishing.ledger import Ledger, TargetRecord
from publisher.publishing.targets import MAIN, Publication, publications
from publisher.text.captions import Caption, build_caption
from publisher.text.counting import URL_PATTERN
from publisher.text.dates import DAYS, MONTHS, format_wib

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
STATIC_FILES = ("style.css", "filters.js")
CALENDAR_DAYS = 31
ACCOUNT_NAME = "Kantor Imigrasi Bengkulu Selatan"
# check's warning for a platform without credentials (publisher.posts.check.NOT_CONFIGURED, translated). On a reviewer's
# machine it is on every post, so the site says it once at the top instead of burying each post's own problems under it.
ACCOUNT_HANDLE = "imigrasibengkuluselatan"
_HASHTAG = regex.compile(r"(?<![\w&])#\w+")


# --- what the templates show ---------------------------------------------------------------------------------


@dataclass
class PlatformView:
    adapter: type[Adapter]
    post: Post
    card: CardFile
    card_en: CardFile | None = None
    ledger: TargetRecord | None = None  # of the main publication, when a ledger was read
    metrics: dict[str, Any] | None = None  # the newest snapshot (listening), when the archive was read

    @property
    def name(self) -> str:
        return self.adapter.name

    # Captions are built only for the pages being written: a second run skips unchanged pages, and counting
    # (X's weighted count above all) is most of what a preview costs once the cards are cached.
    @cached_property
    def caption(self) -> Caption:
        return build_caption(self.post, self.adapter)

    @cached_property
    def caption_en(self) -> Caption | None:
        return build_caption(self.post, self.adapter, english=True) if self.card_en is not None else None


@dataclass
class ReminderView:
    publication: Publication
    when: str
    cards: list[tuple[type[Adapter], CardFile]]
    ledger: dict[str, TargetRecord] = field(default_factory=dict)


@dataclass
class PostView:
    post: Post
    display: str
    problems: list[Problem]  # check's errors and warnings about this post, but for "not configured here"
    page: str  # path of the post's page inside the site
    when: str
    platforms: list[PlatformView]
    reminders: list[ReminderView]
    repeats: list[str]  # when each repeat occurrence goes out, in WIB
    unconfigured: list[str] = field(default_factory=list)  # labels of the platforms without credentials here
    poster: str | None = None  # site path of the A4 poster PDF, when the cards package can draw posters
    poster_en: str | None = None
    offline: list[OfflineText] = field(default_factory=list)  # radio, WhatsApp and SMS forms (publisher announce)
    archive: ArchiveView | None = None  # approval state and archived history, when the archive could be read

    @property
    def thumbnail(self) -> CardFile | None:
        return self.platforms[0].card if self.platforms else None

    @property
    def kind_label(self) -> str:
        return label(self.post.kind)


@dataclass(frozen=True)
class OfflineText:
    label: str
    text: str
    note: str  # its count against its limit


def _offline_texts(post: Post, settings: Settings) -> list[OfflineText]:
    from publisher.offline.texts import RADIO_WORDS, WHATSAPP_CHARS, radio_script, sms_text, whatsapp_text

    brand, tz = settings.brand, settings.tz
    radio = radio_script(post, brand, tz)
    whatsapp = whatsapp_text(post, brand, tz)
    sms = sms_text(post, brand, tz)
    sms_note = sms.count.line() + (_(" · GSM-7 form: {text}").format(text=sms.gsm7) if sms.gsm7 else "")
    return [
        OfflineText(
            _("Radio / mosque loudspeaker"),
            radio,
            _("{count}/{limit} words").format(count=len(radio.split()), limit=RADIO_WORDS),
        ),
        OfflineText(
            "WhatsApp", whatsapp, _("{count}/{limit} characters").format(count=len(whatsapp), limit=WHATSAPP_CHARS)
        ),
        OfflineText("SMS", sms.text, sms_note),
    ]


@dataclass
class InvalidView:
    display: str
    post_id: str | None
    problems: list[Problem]


@dataclass
class CalendarEntry:
    due_at: datetime
    time: str
    view: PostView
    publication: Publication

    @property
    def note(self) -> str:
        if self.publication.label:
            if current_language() == "id":
                return _("Reminder: {label}").format(label=self.publication.label)
            return _("Reminder: {label}").format(label=self.publication.label_en or self.publication.label)
        if self.publication.occurrence.startswith("repeat-"):
            return _("Repeat")
        return ""


@dataclass
class CalendarDay:
    day: date
    in_range: bool
    today: bool
    entries: list[CalendarEntry] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.day.day} {MONTHS[self.day.month - 1][:3]}"

    @property
    def weekday(self) -> str:
        return DAYS[self.day.weekday()]


@dataclass
class PreviewReport:
    out_dir: Path
    check: CheckReport
    posts: list[PostView]
    invalid: list[InvalidView]
    cards_rendered: int = 0
    cards_reused: int = 0

    @property
    def index(self) -> Path:
        return self.out_dir / "index.html"

    @property
    def ok(self) -> bool:
        """False when any post is invalid (or a path is missing): the CLI exits 1, after previewing the rest."""
        return not self.invalid and not self.check.missing_paths


# --- building the site --------------------------------------------------------------------------------------


def build_site(
    paths: Sequence[Path] | None,
    settings: Settings,
    out_dir: Path,
    *,
    now: datetime | None = None,
    ledger: Ledger | None = None,
    show_progress: bool = False,
    cache_dir: Path | None = None,
    posters: bool = True,
    engagement: EngagementStore | None = None,
) -> PreviewReport:
    """Check ``paths`` (default: the posts dir), render every card of every valid post and write the site.

    ``posters``: also write each post's A4 poster PDF and link it, when the cards package has a poster renderer.
    ``engagement``: a :class:`publisher.listening.store.EngagementStore` to show each platform's newest metrics.
    """
    tz = settings.tz
    now = (now or datetime.now(tz)).astimezone(tz)
    out_dir.mkdir(parents=True, exist_ok=True)
    refuse_links_out(out_dir)
    with_posters = posters
    renderer = CardRenderer(
        out_dir, cache_dir=cache_dir if cache_dir is not None else settings.state_dir / "cards", brand=settings.brand
    )
    # A first run over many posts: the render workers start (and load fonts, draw each size's header) while the
    # posts are checked below, instead of after it. About four cards a post is a fair guess of what is coming.
    renderer.start_workers(4 * len(find_post_files(list(paths or []) or [settings.posts_dir])[0]), posters=with_posters)
    try:
        return _build(paths, settings, out_dir, now, (ledger, engagement), show_progress, with_posters, renderer)
    finally:
        renderer.close()


def _build(
    paths: Sequence[Path] | None,
    settings: Settings,
    out_dir: Path,
    now: datetime,
    stores: tuple[Ledger | None, EngagementStore | None],
    show_progress: bool,
    with_posters: bool,
    renderer: CardRenderer,
) -> PreviewReport:
    tz = settings.tz
    report = check_paths(list(paths or []), settings)
    classes = adapter_classes()

    valid = [r for r in report.results if r.ok and r.post is not None]
    invalid = _invalid_views(report)

    plans = {r.post.id: _plan(r.post, now, posters=with_posters) for r in valid if r.post is not None}
    jobs = [job for plan in plans.values() for job in plan[1]]
    with _progress(show_progress, len(jobs)) as advance:
        cards = renderer.render(jobs, advance)

    records = _ledger_records(stores[0], [r.post.id for r in valid if r.post is not None])
    metrics = _latest_metrics(stores[1], [r.post.id for r in valid if r.post is not None])
    views, archive_note = _with_archive(
        [_post_view(r, plans[r.post.id], cards, classes, settings, records, metrics) for r in valid if r.post], settings
    )
    views.sort(key=lambda v: (v.post.publish_at, v.post.id))

    env = _environment(tz)
    common = {"account_name": ACCOUNT_NAME, "account_handle": ACCOUNT_HANDLE, "lang": current_language()}
    for name in STATIC_FILES:
        write_if_changed(out_dir / name, (TEMPLATES / name).read_bytes())
    page_keys = _write_post_pages(views, env, out_dir, renderer, common)
    index = env.get_template("index.html").render(
        unconfigured=sorted({label for view in views for label in view.unconfigured}),
        posts=views,
        invalid=invalid,
        calendar=_calendar(views, now, tz),
        kinds=[(k.value, label(k)) for k in Kind],
        platforms=[(name, cls.label) for name, cls in classes.items()],
        warnings=sum(1 for v in views for p in v.problems if not p.is_error),
        root="",
        generated=format_wib(now, tz),
        archive_note=archive_note,
        **common,
    )
    write_if_changed(out_dir / "index.html", index.encode("utf-8"))
    renderer.finish({name: "" for name in ("index.html", *STATIC_FILES)} | page_keys)
    log.info(
        "preview written to %s: %d post(s), %d invalid, %d card(s) rendered, %d unchanged",
        out_dir,
        len(views),
        len(invalid),
        renderer.rendered,
        renderer.reused,
    )
    return PreviewReport(out_dir, report, views, invalid, renderer.rendered, renderer.reused)


def _invalid_views(report: CheckReport) -> list[InvalidView]:
    """The files that failed, errors first, and the paths that do not exist."""
    invalid = [
        InvalidView(r.display, r.post_id, sorted(r.problems, key=lambda p: (not p.is_error, p.line)))
        for r in report.results
        if not r.ok
    ]
    return invalid + [InvalidView(p.path, None, [p]) for p in report.missing_paths]


def _write_post_pages(
    views: list[PostView], env: Environment, out_dir: Path, renderer: CardRenderer, common: dict[str, str]
) -> dict[str, str]:
    """One page per post, rewritten only when its key changed; returns each page's key for the manifest."""
    # No "generated at" on post pages: an unchanged post's page stays byte-identical and is not rewritten.
    page_keys: dict[str, str] = {}
    templates = _templates_fingerprint()
    previewed = {view.post.id for view in views}  # a post's page links the post it supersedes only if it is here
    for view in views:
        key = _page_key(view, renderer.fingerprint, templates, view.post.supersedes in previewed)
        page_keys[view.page] = key
        if renderer.previous_pages.get(view.page) == key and (out_dir / view.page).is_file():
            continue  # same post, problems, cards, state and templates: the page on disk is this page
        html = env.get_template("post.html").render(
            view=view, post=view.post, root="../", previewed=previewed, **common
        )
        write_if_changed(out_dir / view.page, html.encode("utf-8"))
    return page_keys


def _with_archive(views: list[PostView], settings: Settings) -> tuple[list[PostView], str | None]:
    """The views with their approval state and archived history; the site's note when the archive was not read."""
    archived, note = archive_views([v.post for v in views], settings)
    for view in views:
        view.archive = archived.get(view.post.id)
    return views, note


def _plan(post: Post, now: datetime, *, posters: bool = False) -> tuple[list[Publication], list[CardJob]]:
    """The post's publications and the cards the site shows: per platform the first publication (in Indonesian
    and, when present, English) and every reminder. Repeats share the first occurrence's card."""
    found = publications(post, now=now)
    first = next((p for p in found if p.label is None), None) or Publication(post.id, MAIN, post.publish_at)
    reminders = [p for p in found if p.label is not None]
    jobs = []
    for platform in post.platforms:
        jobs.append(CardJob(post, platform, first))
        if post.en is not None:
            jobs.append(CardJob(post, platform, first, english=True))
        jobs.extend(CardJob(post, platform, reminder) for reminder in reminders)
    if posters:
        jobs.append(CardJob(post, "", first, poster=True))
        if post.en is not None:
            jobs.append(CardJob(post, "", first, english=True, poster=True))
    return found, jobs


def _post_view(
    result: LoadResult,
    plan: tuple[list[Publication], list[CardJob]],
    cards: dict[str, CardFile],
    classes: dict[str, type[Adapter]],
    settings: Settings,
    records: dict[str, TargetRecord],
    metrics: dict[str, dict[str, Any]],
) -> PostView:
    post = result.post
    assert post is not None
    tz = settings.tz
    found, jobs = plan
    main_jobs = {(j.platform, j.english): j for j in jobs if j.publication.label is None and not j.poster}
    poster_paths = {j.english: j.path for j in jobs if j.poster}
    platforms = []
    for name in post.platforms:
        adapter = classes[name]
        job = main_jobs[(name, False)]
        english = main_jobs.get((name, True))
        platforms.append(
            PlatformView(
                adapter,
                post,
                cards[job.path],
                cards[english.path] if english else None,
                records.get(job.publication.target_id(name)),
                metrics.get(post.id, {}).get(name),
            )
        )
    reminders = []
    for publication in (p for p in found if p.label is not None):
        reminder_cards = [
            (classes[j.platform], cards[j.path])
            for j in jobs
            if j.publication == publication and not j.english and not j.poster
        ]
        ledger = {n: records[t] for n in post.platforms if (t := publication.target_id(n)) in records}
        reminders.append(ReminderView(publication, format_wib(publication.due_at, tz), reminder_cards, ledger))
    repeats = [format_wib(p.due_at, tz) for p in found if p.occurrence.startswith("repeat-")]
    return PostView(
        post=post,
        display=result.display,
        problems=sorted(
            (p for p in result.problems if not p.message.startswith(_(NOT_CONFIGURED))),
            key=lambda p: (not p.is_error, p.line),
        ),
        page=f"posts/{post.id}.html",
        when=format_wib(post.publish_at, tz),
        platforms=platforms,
        reminders=reminders,
        repeats=repeats,
        unconfigured=[
            classes[n].label for n in post.platforms if (c := settings.platform(n)) is not None and not c.configured
        ],
        poster=poster_paths.get(False),
        poster_en=poster_paths.get(True),
        offline=_offline_texts(post, settings),
    )


def _templates_fingerprint() -> str:
    digest = hashlib.sha256()
    for file in sorted(TEMPLATES.iterdir()):
        digest.update(file.name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:16]


def _page_key(view: PostView, renderer: str, templates: str, links_superseded: bool) -> str:
    """Everything a post's page shows, digested: equal keys mean an identical page."""
    parts = [
        renderer,
        templates,
        links_superseded,
        ACCOUNT_NAME,
        current_language(),
        view.post.model_dump_json(exclude={"source"}),
        view.display,
        [str(p) for p in view.problems],
        view.unconfigured,
        [(p.card.key, p.card_en.key if p.card_en else None, repr(p.ledger), repr(p.metrics)) for p in view.platforms],
        [(r.publication.occurrence, r.when, [c.key for _, c in r.cards], repr(r.ledger)) for r in view.reminders],
        view.repeats,
        view.poster,
        view.poster_en,
        [(t.label, t.text, t.note) for t in view.offline],
        repr(view.archive),
    ]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:24]


def _calendar(views: list[PostView], now: datetime, tz: ZoneInfo) -> list[list[CalendarDay]]:
    """Weeks (Monday first) covering today and the next :data:`CALENDAR_DAYS` days, every publication on its day."""
    today = now.date()
    last = today + timedelta(days=CALENDAR_DAYS)
    start = today - timedelta(days=today.weekday())
    end = last + timedelta(days=6 - last.weekday())
    days = {
        start + timedelta(days=n): CalendarDay(
            start + timedelta(days=n), today <= start + timedelta(days=n) <= last, start + timedelta(days=n) == today
        )
        for n in range((end - start).days + 1)
    }
    for view in views:
        for publication in publications(view.post, now=now):
            local = publication.due_at.astimezone(tz)
            day = days.get(local.date())
            if day is not None and day.in_range:
                day.entries.append(CalendarEntry(local, f"{local:%H.%M}", view, publication))
    weeks = []
    ordered = [days[d] for d in sorted(days)]
    for i in range(0, len(ordered), 7):
        week = ordered[i : i + 7]
        for day in week:
            day.entries.sort(key=lambda e: (e.due_at, e.view.post.id))
        weeks.append(week)
    return weeks


def _ledger_records(ledger: Ledger | None, post_ids: list[str]) -> dict[str, TargetRecord]:
    if ledger is None:
        return {}
    records: dict[str, TargetRecord] = {}
    try:
        for post_id in post_ids:
            for record in ledger.for_post(post_id):
                records[record.target_id] = record
    except Exception as exc:  # an unreachable store must not stop a preview: the pages just lack the state
        log.warning("ledger not read (%s): the preview shows no publishing state", type(exc).__name__)
        return {}
    return records


def _latest_metrics(engagement: EngagementStore | None, post_ids: list[str]) -> dict[str, dict[str, Any]]:
    """{post: {platform: newest snapshot}}; empty when no archive was given or it cannot be read."""
    if engagement is None:
        return {}
    try:
        return {post_id: found for post_id in post_ids if (found := engagement.latest_metrics(post_id))}
    except Exception as exc:  # an unreachable archive must not stop a preview: the pages just lack the figures
        log.warning("archive not read (%s): the preview shows no engagement", type(exc).__name__)
        return {}


# --- templates ----------------------------------------------------------------------------------------------


def highlight(text: str) -> Markup:
    """Caption text, escaped, with links and hashtags marked the way platforms colour them (never made live)."""
    escaped = str(escape(text))
    escaped = URL_PATTERN.sub(lambda m: f'<span class="url">{m.group(0)}</span>', escaped)
    escaped = _HASHTAG.sub(lambda m: f'<span class="tag">{m.group(0)}</span>', escaped)
    return Markup(escaped)


def _environment(tz: ZoneInfo) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(_, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["label"] = label
    env.filters["wib"] = lambda moment: format_wib(moment, tz)
    env.filters["highlight"] = highlight
    return env


class _progress:
    """A rich progress bar on stderr while cards render, only for a person at a terminal."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.enabled = enabled and total > 0
        self.total = total
        self._progress: Progress | None = None

    def __enter__(self) -> Callable[[int], None]:
        if not self.enabled:
            return lambda n: None
        self._progress = Progress(
            TextColumn(_("Rendering cards")),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(file=sys.stderr),
            transient=True,
            # No refresh thread: the card workers are forked, and a fork while another thread holds a lock
            # (the console's, logging's) can leave a child stuck. The bar is redrawn as each card is done.
            auto_refresh=False,
        )
        progress = self._progress
        progress.start()
        task = progress.add_task("cards", total=self.total)

        def advance(done: int) -> None:
            progress.advance(task, done)
            progress.refresh()

        return advance

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
