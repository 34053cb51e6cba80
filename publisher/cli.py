"""The ``publisher`` command: thin verbs over the library (see the README for what each one is for)."""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

import click
from pydantic import ValidationError

from publisher import __version__
from publisher.i18n import LANGUAGES, N_, _, pop_language, push_language
from publisher.i18n import configure as configure_language
from publisher.i18n.cli import TranslatedGroup
from publisher.infra import logs
from publisher.infra.masking import Masker, current_masker, install_log_masking, mask_standard_streams
from publisher.infra.settings import Settings, load_settings, settings_problem

# Each verb imports the modules it needs inside its function, the one place function-level imports are allowed:
# start-up time. `publisher --help` or `check` should not pay for Celery, Redis, Pillow and seven adapters.
if TYPE_CHECKING:  # ...and mypy still sees the types of the lazily imported modules
    from publisher.publishing.ledger import Ledger
    from publisher.scheduler.runtime import Runtime


class Context:
    """Settings are read once per invocation, lazily, so ``--help`` works even with broken settings."""

    def __init__(self) -> None:
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = load_settings()
            except ValidationError as exc:
                # One line naming each variable; pydantic's own text quotes the values, which may be tokens.
                raise click.ClickException(Masker.from_environment().mask(settings_problem(exc))) from None
            # From here on every log record and every printed line is masked with this run's secrets.
            install_log_masking(Masker.from_settings(self._settings))
            configure_language(self._settings.language)
            if (invocation := click.get_current_context(silent=True)) is not None:
                invocation.call_on_close(lambda: configure_language(None))  # one invocation's, like --lang
        return self._settings


pass_context = click.make_pass_decorator(Context, ensure=True)


def _set_language(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """--lang is eager, so `publisher --lang en VERB --help` is already in English; it ends with the invocation."""
    if value:
        push_language(value)
        ctx.call_on_close(pop_language)


class Verbs(TranslatedGroup):
    """Every verb's operational failures (Redis unreachable, a file that cannot be written) end as one masked line
    and exit 1, here in one place; anything else is a bug and keeps its traceback (masked, in :func:`main`)."""

    def invoke(self, ctx: click.Context) -> object:
        import redis

        try:
            return super().invoke(ctx)
        except (redis.RedisError, OSError) as exc:
            from publisher.infra.masking import current_masker
            from publisher.posts.limits import one_line

            what = "Redis" if isinstance(exc, redis.RedisError) else type(exc).__name__
            raise click.ClickException(current_masker().mask(one_line(f"{what}: {exc}"))) from None


@click.group(cls=Verbs, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="publisher")
@click.option(
    "-v", "--verbose", is_flag=True, help=N_("Log details (debug lines, tracebacks) to stderr; still masked.")
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    is_eager=True,
    expose_value=False,
    callback=_set_language,
    help=N_("Language of messages and help: id (Indonesian, the default) or en. Also PUBLISHER_LANGUAGE."),
)
def cli(verbose: bool) -> None:
    """Schedule and publish the posts of Kantor Imigrasi Bengkulu Selatan.

    Posts are Markdown files with YAML front matter in the posts folder (PUBLISHER_POSTS_DIR, default
    ./posts). Check them, preview them, then let `publisher run` publish them on time.
    """
    _mask_output_and_logs(verbose=verbose)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("-q", "--quiet", is_flag=True, help=N_("Print only problems, not the files that are fine."))
@pass_context
def check(ctx: Context, paths: tuple[Path, ...], quiet: bool) -> None:
    """Validate post files (default: the posts folder).

    Prints one line per problem as `path:line: error: message` (or `warning:`), then each file that is fine.
    Exits 1 when any file has an error.
    """
    from publisher.archive.review import add_approval_warnings
    from publisher.posts.check import check_paths

    report = check_paths(list(paths), ctx.settings)
    add_approval_warnings(report, ctx.settings)
    for problem in report.problems:
        click.echo(str(problem))
    failed = {p.path for p in report.errors}
    if not quiet:
        for result in report.results:
            if result.display not in failed:
                click.echo(f"{result.display}: ok")
    click.echo(
        _("{files} file(s) checked: {ok} ok, {failed} with errors; {errors} error(s), {warnings} warning(s)").format(
            files=len(report.results),
            ok=len(report.results) - len(failed),
            failed=len(failed),
            errors=len(report.errors),
            warnings=len(report.warnings),
        ),
        err=True,
    )
    sys.exit(1 if report.errors else 0)


# --- publishing verbs: publish, retract, doctor, resolve (the logic is in publisher.publishing.verbs) ----------------


def _mask_output_and_logs(*, verbose: bool = False) -> None:
    """Every verb's output and log lines go through the secret mask (publisher.infra.masking; the mask learns this
    run's secrets when the settings are read). Log lines go to stderr, one line per event (publisher.infra.logs), at
    PUBLISHER_LOG_LEVEL (default WARNING; INFO shows one line per publish event; --verbose: DEBUG)."""
    click.get_current_context().call_on_close(mask_standard_streams())
    # A host that set up logging already (pytest, Celery) keeps its handlers; --verbose still raises the level.
    if not logging.getLogger().handlers or verbose:
        try:
            logs.configure(verbose=verbose)
        except ValueError as exc:  # PUBLISHER_LOG_LEVEL is not a level
            raise click.ClickException(f"settings: {exc}") from None


def _fail(exc: Exception) -> click.ClickException:
    return click.ClickException(current_masker().mask(str(exc)))


def _ledger(settings: Settings) -> Ledger:
    from publisher.publishing.ledger import Ledger

    return Ledger.from_settings(settings)


@cli.command()
@click.argument("post_id")
@click.option(
    "--platform",
    "platforms",
    multiple=True,
    metavar="NAME",
    help=N_("Only this platform (repeat for several). Default: every platform the post lists."),
)
@click.option(
    "--dry-run", is_flag=True, help=N_("Publish nowhere; record what would be sent (also PUBLISHER_DRY_RUN).")
)
@pass_context
def publish(ctx: Context, post_id: str, platforms: tuple[str, ...], dry_run: bool) -> None:
    """Publish one post now, without waiting for its publish_at.

    The ledger still applies: a platform the post is already on is not published again (and an edit made since
    is not re-sent; publish a correction as a new post with `supersedes`). Prints one line per platform.
    Exits 0 when every target is published (now or before), 1 otherwise.
    """
    import redis

    from publisher.publishing.verbs import publish_post

    settings = ctx.settings
    try:
        results = publish_post(
            post_id,
            settings=settings,
            ledger=_ledger(settings),
            platforms=list(platforms) or None,
            dry_run=dry_run or settings.dry_run,
        )
    except (LookupError, ValueError, redis.RedisError) as exc:
        raise _fail(exc) from None
    for result in results:
        click.echo(result.line())
    sys.exit(0 if results and all(r.ok for r in results) else 1)


@cli.command()
@click.argument("post_id")
@pass_context
def retract(ctx: Context, post_id: str) -> None:
    """Delete the post's published copies where the platform allows it.

    Says per platform what was deleted, or what must be deleted by hand (and where). Publications not yet sent
    are cancelled. Exits 0 when everything is done, 1 when something is left for a person.
    """
    import redis

    from publisher.publishing.verbs import retract_post

    settings = ctx.settings
    try:
        results = retract_post(post_id, settings=settings, ledger=_ledger(settings))
    except redis.RedisError as exc:
        raise _fail(exc) from None
    if not results:
        click.echo(_("{post_id}: nothing was published, nothing to retract").format(post_id=post_id))
    for result in results:
        click.echo(result.line())
    sys.exit(0 if all(r.done for r in results) else 1)


@cli.command()
@pass_context
def doctor(ctx: Context) -> None:
    """Check the settings, Redis, and each configured platform's credentials (read-only API calls).

    Lists the platforms that are not configured with the variables to set. Exits 0 when all is well, 1 when a
    check failed or a platform that a ready post lists is not configured.
    """
    from publisher.publishing.verbs import doctor as run_doctor

    lines = run_doctor(ctx.settings)
    for line in lines:
        click.echo(line.line())
    sys.exit(0 if all(line.ok for line in lines) else 1)


@cli.command()
@click.argument("target")
@click.option("--published", "permalink", metavar="URL", help=N_("It is up, at this URL."))
@click.option("--remote-id", help=N_("It is up with this id on the platform."))
@click.option("--not-published", is_flag=True, help=N_("It is not up: send it again at the next chance."))
@pass_context
def resolve(ctx: Context, target: str, permalink: str | None, remote_id: str | None, not_published: bool) -> None:
    """Settle a target whose outcome is unknown (TARGET is post-id/platform/occurrence, as `status` shows).

    Look at the account first. Then either `--published URL` (it is there) or `--not-published` (it is not).
    """
    from publisher.publishing.verbs import resolve_target

    published = bool(permalink or remote_id)
    if published == not_published:
        raise click.UsageError(_("give either --published URL (or --remote-id ID) or --not-published"))
    try:
        moved = resolve_target(
            target,
            ledger=_ledger(ctx.settings),
            published=published,
            remote_id=remote_id,
            permalink=permalink,
            settings=ctx.settings,
        )
    except ValueError as exc:
        raise _fail(exc) from None
    if not moved:
        raise click.ClickException(
            _("{target} is not unknown or sending; nothing changed (see `publisher status`)").format(target=target)
        )
    recorded = _("recorded as published") if published else _("recorded as not published")
    click.echo(f"{target}: {recorded}")


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("preview"),
    show_default=True,
    help=N_("Folder to write the site into (index.html, one page per post, the card images)."),
)
@click.option(
    "--ledger/--no-ledger",
    default=None,
    help=N_(
        "Show each target's publishing state from PUBLISHER_REDIS_URL. Default: only when that server is on "
        "this machine (loopback or a unix socket); the embedded Redis is never started for a preview."
    ),
)
@click.option(
    "--posters/--no-posters",
    default=True,
    show_default=True,
    help=N_("Also write each post's A4 poster PDF and link it from its page (the slowest part of a first run)."),
)
@pass_context
def preview(ctx: Context, paths: tuple[Path, ...], out_dir: Path, ledger: bool | None, posters: bool) -> None:
    """Dry-run of everything: a static review site of every post (default: the posts folder).

    Renders every card for every platform a post names, with the exact caption and its count against the
    platform's limit, the alt text, English version and reminder cards; plus a calendar of the coming month.
    Open DIR/index.html in a browser; no server needed. Opens no outside socket. Exits 1 when any post is
    invalid (the others are still previewed).
    """
    from publisher.preview.ledger import preview_engagement, preview_ledger
    from publisher.preview.site import build_site

    settings = ctx.settings
    report = build_site(
        list(paths),
        settings,
        out_dir,
        ledger=preview_ledger(settings, ledger),
        engagement=preview_engagement(settings, ledger),
        show_progress=sys.stderr.isatty(),
        posters=posters,
    )
    for item in report.invalid:
        for problem in item.problems:
            click.echo(str(problem), err=True)
    click.echo(
        _(
            "{posts} post(s) previewed, {invalid} invalid; cards: {rendered} rendered, {reused} unchanged. Open {index}"
        ).format(
            posts=len(report.posts),
            invalid=len(report.invalid),
            rendered=report.cards_rendered,
            reused=report.cards_reused,
            index=report.index,
        ),
        err=True,
    )
    sys.exit(0 if report.ok else 1)


# --- the scheduler: run, status, pause, resume (publisher.scheduler, worker/) -----------------------------------


def _scheduler_runtime(settings: Settings) -> Runtime:
    from publisher.scheduler.runtime import Runtime

    return Runtime(settings)


@cli.command()
@click.option(
    "--dry-run", is_flag=True, help=N_("Publish nowhere; record what would be sent (also PUBLISHER_DRY_RUN).")
)
@click.option("--concurrency", default=2, show_default=True, help=N_("Worker processes publishing in parallel."))
@click.option("-v", "--verbose", is_flag=True, help=N_("Show Celery's banner and the worker's log here (INFO)."))
@pass_context
def run(ctx: Context, dry_run: bool, concurrency: int, verbose: bool) -> None:
    """The main job: publish due posts on time until stopped (Ctrl-C).

    Runs a Celery worker with its beat on this machine. The beat reads the posts folder every few seconds and
    schedules the ready posts; each target is published once. Uses PUBLISHER_REDIS_URL, or an embedded Redis
    under PUBLISHER_STATE_DIR when that is unset. On several machines run `celery -A worker worker` on each and
    `celery -A worker beat` on the one with the posts folder instead.

    Prints a summary (posts read, problems, what goes out next), then one line per publication. The worker's
    own log goes to STATE_DIR/worker.log at WARNING, or here with --verbose.
    """
    from publisher.scheduler.run import run as run_worker

    settings = ctx.settings
    verbose = verbose or bool(click.get_current_context().find_root().params.get("verbose"))
    sys.exit(run_worker(settings, dry_run=dry_run or settings.dry_run, concurrency=concurrency, verbose=verbose))


@cli.command()
@click.option("--json", "as_json", is_flag=True, help=N_("Machine-readable output."))
@pass_context
def status(ctx: Context, as_json: bool) -> None:
    """Every target: scheduled, published (remote id, permalink), failed (why), unknown (needs a person), ...

    Unknown and failed targets come first. Times are in the office's zone. Dry-run records are marked.
    """
    from publisher.scheduler.status import collect, plain_text, rich_table

    report = collect(_scheduler_runtime(ctx.settings))
    if as_json:
        click.echo(report.to_json())
    elif sys.stdout.isatty():
        from rich.console import Console

        Console().print(rich_table(report))
    else:
        click.echo(plain_text(report))
    if not as_json and ctx.settings.x.configured:
        from publisher.listening.passes import x_estimate_line

        click.echo(x_estimate_line(ctx.settings, _scheduler_runtime(ctx.settings)), err=True)


@cli.command()
@pass_context
def pause(ctx: Context) -> None:
    """Stop all publishing at once (every worker obeys); nothing is lost, `publisher resume` restarts it.

    Targets that become more than PUBLISHER_MISSED_GRACE_MINUTES overdue while paused are held as missed.
    """
    _scheduler_runtime(ctx.settings).schedule.pause()
    click.echo(_("paused: nothing will be published until `publisher resume`"))


@cli.command()
@pass_context
def resume(ctx: Context) -> None:
    """Restart publishing after `publisher pause`."""
    _scheduler_runtime(ctx.settings).schedule.resume()
    click.echo(_("resumed"))


@cli.command()
@click.argument("post_id")
@click.option(
    "--out",
    "out_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help=N_("Where to write the poster: FILE.pdf (one page) or FILE.png."),
)
@click.option("--english", is_flag=True, help=N_("The English version (the post needs an `en:` block)."))
@click.option("--print", "printable", is_flag=True, help=N_("Ink-saving variant for office printers: white paper."))
@click.option(
    "--size",
    type=click.Choice(["a4", "a3", "banner"]),
    default="a4",
    show_default=True,
    help=N_("a4 / a3 (300 dpi) for notice boards, banner: a 300 × 100 cm spanduk (100 dpi)."),
)
@pass_context
def poster(ctx: Context, post_id: str, out_file: Path, english: bool, printable: bool, size: str) -> None:
    """Write a printable poster of one post, for notice boards or as a banner.

    The card's design at paper size with the post's text, a QR code to its link (or the office's site) and the
    office's address, phone/WhatsApp and opening hours (PUBLISHER_BRAND__*). PDF or PNG by the suffix of --out.
    """
    from publisher.offline.poster import PAPERS, PosterSize, render_poster

    fmt = _page_format(out_file)
    post = _post(ctx, post_id)
    if english and post.en is None:
        raise click.ClickException(_("post {post_id!r} has no English version (`en:`)").format(post_id=post_id))
    paper = PAPERS[PosterSize(size)]
    data = render_poster(post, ctx.settings.brand, size=PosterSize(size), printable=printable, english=english,
                         fmt=fmt)  # fmt: skip
    _write(out_file, data)
    variant = _(", ink-saving") if printable else ""
    click.echo(
        _(
            "{file}: {size} poster of {post_id} ({width:g} × {height:g} cm, {dpi} dpi{variant}; {format}, "
            "{bytes:,} bytes)"
        ).format(
            file=out_file,
            size=size.upper(),
            post_id=post_id,
            width=paper.width_mm / 10,
            height=paper.height_mm / 10,
            dpi=paper.dpi,
            variant=variant,
            format=fmt,
            bytes=len(data),
        )
    )


@cli.command()
@click.option("--week", required=True, metavar="YYYY-Www", help=N_("The ISO week, e.g. 2026-W50."))
@click.option(
    "--out",
    "out_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help=N_("FILE.pdf to print, or FILE.png for a WhatsApp group."),
)
@pass_context
def digest(ctx: Context, week: str, out_file: Path) -> None:
    """One A4 notice-board page of a week's ready posts, each with a QR code.

    Service updates, policy changes (a correction shown as replacing the old notice) and events with date, time
    and place, in type readable at arm's length, and the office's address, phone and hours.
    """
    from publisher.offline.digest import IsoWeek, render_digest

    try:
        iso_week = IsoWeek.parse(week)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--week") from None
    fmt = _page_format(out_file)
    data, shown = render_digest(iso_week, ctx.settings, fmt=fmt)
    _write(out_file, data)
    click.echo(
        _("{file}: digest of {week} with {shown} post(s) ({format}, {bytes:,} bytes)").format(
            file=out_file, week=iso_week, shown=shown, format=fmt, bytes=len(data)
        )
    )


@cli.command()
@click.argument("post_id")
@click.option(
    "--format",
    "text_format",
    required=True,
    type=click.Choice(["radio", "whatsapp", "sms"]),
    help=N_("radio: a script to read aloud; whatsapp: a text to forward; sms: at most two SMS."),
)
@click.option("--gsm7", is_flag=True, help=N_("sms: print the GSM-7 (transliterated) form when the text needs UCS-2."))
@pass_context
def announce(ctx: Context, post_id: str, text_format: str, gsm7: bool) -> None:
    """Print a post as a radio or mosque-loudspeaker script, a WhatsApp text, or an SMS.

    radio: spoken Indonesian (numbers, dates and times in words, abbreviations expanded, no links), about 130
    words. whatsapp: *bold* title, the link and the office's number, at most 1,000 characters. sms: at most two
    segments; the count (GSM-7 or UCS-2) goes to stderr, with a warning and the GSM-7 form when UCS-2 is needed.
    """
    from publisher.offline.texts import radio_script, sms_text, whatsapp_text

    settings = ctx.settings
    post = _post(ctx, post_id)
    if text_format == "radio":
        click.echo(radio_script(post, settings.brand, settings.tz))
    elif text_format == "whatsapp":
        click.echo(whatsapp_text(post, settings.brand, settings.tz))
    else:
        sms = sms_text(post, settings.brand, settings.tz)
        alternative = sms.gsm7
        click.echo(alternative if gsm7 and alternative else sms.text)
        click.echo(f"sms: {sms.count.line()}", err=True)
        if alternative is not None and not gsm7:
            from publisher.offline.sms import count_sms

            click.echo(
                "warning: "
                + _(
                    "characters outside GSM-7 make this UCS-2 (70 characters per SMS); the GSM-7 form ({count}), "
                    "printed alone by --gsm7:"
                ).format(count=count_sms(alternative).line())
                + f"\n{alternative}",
                err=True,
            )


def _page_format(out_file: Path) -> str:
    fmt = {".pdf": "PDF", ".png": "PNG"}.get(out_file.suffix.lower())
    if fmt is None:
        raise click.BadParameter(
            _("{name!r}: end the file name with .pdf or .png").format(name=out_file.name), param_hint="--out"
        )
    return fmt


def _post(ctx: Context, post_id: str):  # -> publisher.post.Post
    from publisher.posts.lookup import PostInvalid, PostNotFound, load_post_by_id

    try:
        return load_post_by_id(post_id, ctx.settings)
    except (PostNotFound, PostInvalid) as exc:
        raise _fail(exc) from None


def _write(out_file: Path, data: bytes) -> None:
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_bytes(data)


# --- writing a post: new --------------------------------------------------------------------------------------------

KINDS = ("service-update", "policy-change", "event-reminder")


def _ask(value: str | None, flag: str, question: str, default: str | None = None) -> str:
    """The flag's value; else, at a terminal, the answer to ``question``; else exit 1 naming the flag."""
    if value:
        return value
    if not sys.stdin.isatty():
        raise click.ClickException(
            _("{flag} is missing (not asked: stdin is not a terminal); nothing written").format(flag=flag)
        )
    return str(click.prompt(question, default=default))


@cli.command(name="new")
@click.argument("kind", type=click.Choice(KINDS))
@click.option("--title", help=N_("The card's headline."))
@click.option("--at", "when", metavar="WHEN", help=N_("When it goes out: 2026-12-01 09:00, +2m, +1h, besok 09:00."))
@click.option("--platform", "platforms", multiple=True, metavar="NAME", help=N_("A platform (repeat for several)."))
@click.option("--starts", metavar="WHEN", help=N_("event-reminder: when the event starts (same forms as --at)."))
@click.option("--body", default="", help=N_("The caption's text after the title (default: none, the title alone)."))
@pass_context
def new(
    ctx: Context,
    kind: str,
    title: str | None,
    when: str | None,
    platforms: tuple[str, ...],
    starts: str | None,
    body: str,
) -> None:
    """Write a new post file into the posts folder, ready to publish (asks for what is not given).

    The file is named after the title; it is checked as `publisher check` does, and nothing is written when it
    has an error. Exits 1 on bad input.
    """
    from datetime import UTC, datetime

    from publisher.adapters.registry import adapter_classes
    from publisher.posts.model import Kind
    from publisher.posts.new import NewPost, NewPostRefused, write_post_file
    from publisher.text.dates import format_wib
    from publisher.text.when import WhenError, parse_when

    settings = ctx.settings
    title = _ask(title, "--title", "Judul").strip()
    known = sorted(adapter_classes())
    names = platforms or tuple(_ask(None, "--platform", f"Platform ({', '.join(known)})").replace(",", " ").split())
    if unknown := [n for n in names if n not in known]:
        raise click.ClickException(
            _("unknown platform {name!r} (known: {known}); nothing written").format(
                name=unknown[0], known=", ".join(known)
            )
        )
    now = datetime.now(UTC)
    try:
        publish_at = parse_when(_ask(when, "--at", "Kapan (mis. +2m, besok 09:00)"), now=now, zone=settings.tz)
        starts_at = None
        if kind == Kind.EVENT_REMINDER:
            starts_at = parse_when(_ask(starts, "--starts", "Acara mulai"), now=now, zone=settings.tz)
    except WhenError as exc:
        raise click.ClickException(_("{error}; nothing written").format(error=exc)) from None
    if publish_at < now:
        raise click.ClickException(
            _("{when} is in the past; nothing written").format(when=format_wib(publish_at, settings.tz))
        )
    post = NewPost(Kind(kind), title, publish_at, tuple(dict.fromkeys(names)), body, starts_at)
    try:
        path = write_post_file(post, settings)
    except NewPostRefused as exc:
        raise click.ClickException(f"{exc}\n" + _("nothing written")) from None
    click.echo(f"{path}: {kind}, {format_wib(publish_at, settings.tz)} -> {', '.join(post.platforms)}")


# --- listening: the satisfaction survey (publisher.listening) ---------------------------------------------------


@cli.group()
def survey() -> None:
    """Satisfaction surveys (SKM, PermenPAN-RB 14/2017): import responses, get the index and a results post."""


@survey.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--period", required=True, metavar="P", help=N_("The survey's period: 2026-Q4, 2026-S2, 2026-12 or 2026.")
)
@click.option(
    "--platform",
    "platforms",
    multiple=True,
    metavar="NAME",
    help=N_("A platform for the results post (repeat for several). Default: facebook, instagram, telegram."),
)
@click.option("--replace", is_flag=True, help=N_("Write the period's results post again if it exists already."))
@click.option("--json", "as_json", is_flag=True, help=N_("Print the result as JSON."))
@pass_context
def survey_import(
    ctx: Context, file: Path, period: str, platforms: tuple[str, ...], replace: bool, as_json: bool
) -> None:
    """Import survey responses from FILE.csv: columns U1 … U9 hold each respondent's scores (1–4).

    Computes each unsur's average (NRR), the index IKM = Σ(NRR × 1/9) × 25 and its category (A Sangat Baik …
    D Tidak Baik), keeps the result under the state dir and writes the draft post
    posts/hasil-skm-<period>.md. Other columns (names, phone numbers …) are ignored and never stored.
    Exits 1 on a malformed file, printing FILE:LINE: error: … for each problem; nothing is imported then.
    """
    import json

    from publisher.adapters.registry import platform_names
    from publisher.listening.survey import DEFAULT_PLATFORMS, SurveyFileError, SurveyRefused, import_survey

    unknown = sorted(set(platforms) - platform_names())
    if unknown:
        raise click.BadParameter(
            _("unknown platform {names}").format(names=", ".join(unknown)), param_hint="--platform"
        )
    try:
        done = import_survey(
            file, period, ctx.settings, platforms=list(platforms) or DEFAULT_PLATFORMS, replace=replace
        )
    except SurveyFileError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(
            _("{file}: nothing imported ({count} error(s))").format(file=file, count=len(exc.problems)), err=True
        )
        sys.exit(1)
    except SurveyRefused as exc:
        raise _fail(exc) from None
    if as_json:
        click.echo(json.dumps(done.summary(), ensure_ascii=False))
        return
    summary = done.summary()
    click.echo(
        _("SKM {period}: IKM {ikm:.2f}, category {category} ({mutu}), {respondents} respondents").format(**summary)
    )
    click.echo(_("draft post written: {path} (check it, then set status: ready)").format(path=done.post_path))
    if done.ignored_columns:
        click.echo(_("ignored, not stored: {columns}").format(columns=", ".join(done.ignored_columns)))


@cli.command("collect")
@click.option("--post", "post_id", metavar="ID", help="Only this post's published targets (all its replies too).")
@pass_context
def collect_engagement(ctx: Context, post_id: str | None) -> None:
    """One engagement collection pass now: metrics and replies of every published target (read-only calls).

    Snapshots are stored with the platform's own metric names ("manual" snapshots; the beat takes its own at
    +1h, +24h, +7d, +30d, PUBLISHER_SNAPSHOT_AGES). Exits 1 when any platform failed; the others are still
    collected.
    """
    from publisher.listening.passes import report_lines, run_pass, x_estimate_line

    report = run_pass(ctx.settings, manual=True, post=post_id)
    for line in report_lines(report):
        click.echo(line)
    click.echo(x_estimate_line(ctx.settings, _scheduler_runtime(ctx.settings)), err=True)
    sys.exit(report.exit_code)


# --- the archive: approve, audit (publisher.archive) ----------------------------------------------------------------


@cli.command()
@click.argument("post_id")
@click.option(
    "--by", "approver", metavar="NAME", help=N_("Who approves (one of PUBLISHER_APPROVERS when that is set).")
)
@click.option("--note", metavar="TEXT", help=N_("Why, or what was checked; kept with the approval."))
@click.option("--revoke", is_flag=True, help=N_("Withdraw the post's approvals instead."))
@pass_context
def approve(ctx: Context, post_id: str, approver: str | None, note: str | None, revoke: bool) -> None:
    """Approve a post exactly as it is now (front matter, body and image bytes), or --revoke its approval.

    With PUBLISHER_REQUIRE_APPROVAL=true a post is published only under an approval of its current content:
    an edit after approval makes it wait until it is approved again. The approver must not be the post's
    `author:`. Exits 1 when refused (unknown or invalid post, approver not allowed, approver is the author).
    """
    from sqlalchemy.exc import SQLAlchemyError

    from publisher.archive import approvals
    from publisher.posts.lookup import PostInvalid, PostNotFound, load_post_by_id

    settings = ctx.settings
    if revoke == bool(approver):
        raise click.UsageError(_("give either --by NAME (approve) or --revoke"))
    try:
        if revoke:
            count = approvals.revoke(post_id, settings=settings)
            if count:
                click.echo(_("{post_id}: {count} approval(s) revoked").format(post_id=post_id, count=count))
            else:
                click.echo(_("{post_id}: no approval to revoke").format(post_id=post_id))
            return
        post = load_post_by_id(post_id, settings)
        made = approvals.approve(post, approver or "", note, settings=settings)
    except (PostNotFound, PostInvalid, approvals.ApprovalRefused, SQLAlchemyError) as exc:
        raise _fail(exc) from None
    click.echo(
        _("{post_id}: approved by {approver} (content {hash})").format(
            post_id=post_id, approver=made.approver, hash=made.content_hash
        )
    )
    if not post.is_ready:
        click.echo(
            _("note: {post_id} is a draft; setting status: ready changes its content, so approve it again then").format(
                post_id=post_id
            )
        )


@cli.command()
@click.option("--since", metavar="DATE", help=N_("From this day (YYYY-MM-DD, office time) or time on."))
@click.option("--until", metavar="DATE", help=N_("Up to and including this day (or up to this time)."))
@click.option("--post", "post_id", metavar="ID", help=N_("Only this post's events."))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help=N_("csv: UTF-8 with BOM for spreadsheets, one row per event; json: a list of objects."),
)
@pass_context
def audit(ctx: Context, since: str | None, until: str | None, post_id: str | None, fmt: str) -> None:
    """Every archived event in time order: what went out where, when, under whose approval, and what became of it."""
    from sqlalchemy.exc import SQLAlchemyError

    from publisher.archive import audit as formats
    from publisher.archive.outcomes import Archive

    settings = ctx.settings
    try:
        start = formats.parse_day(since, settings.tz) if since else None
        end = formats.parse_day(until, settings.tz, end=True) if until else None
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    try:
        events = Archive.from_settings(settings).events(start, end, post_id)
    except SQLAlchemyError as exc:
        raise _fail(exc) from None
    if fmt == "json":
        click.echo(formats.to_json(events, settings.tz))
    elif fmt == "csv":
        click.echo(formats.to_csv(events, settings.tz), nl=False)
    else:
        click.echo("\n".join(formats.table_lines(events, settings.tz)))


@cli.command()
@click.option("--month", required=True, metavar="YYYY-MM", help="The month to report on, e.g. 2026-12.")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for index.html, report.pdf and metrics.csv (created if needed).",
)
@pass_context
def report(ctx: Context, month: str, out_dir: Path) -> None:
    """The monthly report (laporan bulanan): index.html, report.pdf (A4) and metrics.csv for a month.

    What went out (per kind and platform, on time or late), reach and engagement with charts, the top posts, the
    public's questions and how many are unanswered, failures, who approved what, and the SKM when imported. The
    site opens from disk and loads nothing from outside; a metric a platform does not give is shown as such,
    never as 0 (an empty cell in metrics.csv).
    """
    from sqlalchemy.exc import SQLAlchemyError

    from publisher.listening.month import month_start
    from publisher.listening.report import build

    try:
        month_start(month)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--month") from None
    try:
        files = build(ctx.settings, month, out_dir)
    except SQLAlchemyError as exc:
        raise _fail(exc) from None
    click.echo(f"{files.index_html}\n{files.pdf}\n{files.metrics_csv} ({files.snapshots:,} snapshot rows)")


def main() -> None:
    try:
        cli(prog_name="publisher")
    except Exception:  # a bug: show the traceback, masked, rather than let a token reach the terminal
        sys.stderr.write(current_masker().mask(traceback.format_exc()))
        sys.exit(1)
