"""The ``publisher`` command: thin verbs over the library (see the README for what each one is for)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from pydantic import ValidationError

from publisher import __version__
from publisher.settings import Settings, load_settings, settings_problem


class Context:
    """Settings are read once per invocation, lazily, so ``--help`` works even with broken settings."""

    def __init__(self) -> None:
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from publisher.masking import Masker, install_log_masking

            try:
                self._settings = load_settings()
            except ValidationError as exc:
                # One line naming each variable; pydantic's own text quotes the values, which may be tokens.
                raise click.ClickException(Masker.from_environment().mask(settings_problem(exc))) from None
            # From here on every log record and every printed line is masked with this run's secrets.
            install_log_masking(Masker.from_settings(self._settings))
        return self._settings


pass_context = click.make_pass_decorator(Context, ensure=True)


class Verbs(click.Group):
    """Every verb's operational failures (Redis unreachable, a file that cannot be written) end as one masked line
    and exit 1, here in one place; anything else is a bug and keeps its traceback (masked, in :func:`main`)."""

    def invoke(self, ctx: click.Context) -> object:
        import redis

        try:
            return super().invoke(ctx)
        except (redis.RedisError, OSError) as exc:
            from publisher.masking import current_masker
            from publisher.posts.limits import one_line

            what = "Redis" if isinstance(exc, redis.RedisError) else type(exc).__name__
            raise click.ClickException(current_masker().mask(one_line(f"{what}: {exc}"))) from None


@click.group(cls=Verbs, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="publisher")
@click.option("-v", "--verbose", is_flag=True, help="Log details (debug lines, tracebacks) to stderr; still masked.")
def cli(verbose: bool) -> None:
    """Schedule and publish the posts of Kantor Imigrasi Bengkulu Selatan.

    Posts are Markdown files with YAML front matter in the posts folder (PUBLISHER_POSTS_DIR, default
    ./posts). Check them, preview them, then let `publisher run` publish them on time.
    """
    _mask_output_and_logs(verbose=verbose)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("-q", "--quiet", is_flag=True, help="Print only problems, not the files that are fine.")
@pass_context
def check(ctx: Context, paths: tuple[Path, ...], quiet: bool) -> None:
    """Validate post files (default: the posts folder).

    Prints one line per problem as `path:line: error: message` (or `warning:`), then each file that is fine.
    Exits 1 when any file has an error.
    """
    from publisher.check import check_paths

    report = check_paths(list(paths), ctx.settings)
    for problem in report.problems:
        click.echo(str(problem))
    failed = {p.path for p in report.errors}
    if not quiet:
        for result in report.results:
            if result.display not in failed:
                click.echo(f"{result.display}: ok")
    click.echo(
        f"{len(report.results)} file(s) checked: {len(report.results) - len(failed)} ok, {len(failed)} with errors; "
        f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)",
        err=True,
    )
    sys.exit(1 if report.errors else 0)


# --- publishing verbs: publish, retract, doctor, resolve (the logic is in publisher.operations) ----------------------


def _mask_output_and_logs(*, verbose: bool = False) -> None:
    """Every verb's output and log lines go through the secret mask (publisher.masking; the mask learns this
    run's secrets when the settings are read). Log lines go to stderr, one line per event (publisher.logs), at
    PUBLISHER_LOG_LEVEL (default WARNING; INFO shows one line per publish event; --verbose: DEBUG)."""
    import logging

    from publisher import logs
    from publisher.masking import mask_standard_streams

    click.get_current_context().call_on_close(mask_standard_streams())
    # A host that set up logging already (pytest, Celery) keeps its handlers; --verbose still raises the level.
    if not logging.getLogger().handlers or verbose:
        try:
            logs.configure(verbose=verbose)
        except ValueError as exc:  # PUBLISHER_LOG_LEVEL is not a level
            raise click.ClickException(f"settings: {exc}") from None


def _fail(exc: Exception) -> click.ClickException:
    from publisher.masking import current_masker

    return click.ClickException(current_masker().mask(str(exc)))


def _ledger(settings: Settings):  # -> publisher.ledger.Ledger
    from publisher.ledger import Ledger

    return Ledger.from_settings(settings)


@cli.command()
@click.argument("post_id")
@click.option(
    "--platform",
    "platforms",
    multiple=True,
    metavar="NAME",
    help="Only this platform (repeat for several). Default: every platform the post lists.",
)
@click.option("--dry-run", is_flag=True, help="Publish nowhere; record what would be sent (also PUBLISHER_DRY_RUN).")
@pass_context
def publish(ctx: Context, post_id: str, platforms: tuple[str, ...], dry_run: bool) -> None:
    """Publish one post now, without waiting for its publish_at.

    The ledger still applies: a platform the post is already on is not published again (and an edit made since
    is not re-sent; publish a correction as a new post with `supersedes`). Prints one line per platform.
    Exits 0 when every target is published (now or before), 1 otherwise.
    """
    import redis

    from publisher.operations import publish_post

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

    from publisher.operations import retract_post

    settings = ctx.settings
    try:
        results = retract_post(post_id, settings=settings, ledger=_ledger(settings))
    except redis.RedisError as exc:
        raise _fail(exc) from None
    if not results:
        click.echo(f"{post_id}: nothing was published, nothing to retract")
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
    from publisher.operations import doctor as run_doctor

    lines = run_doctor(ctx.settings)
    for line in lines:
        click.echo(line.line())
    sys.exit(0 if all(line.ok for line in lines) else 1)


@cli.command()
@click.argument("target")
@click.option("--published", "permalink", metavar="URL", help="It is up, at this URL.")
@click.option("--remote-id", help="It is up with this id on the platform.")
@click.option("--not-published", is_flag=True, help="It is not up: send it again at the next chance.")
@pass_context
def resolve(ctx: Context, target: str, permalink: str | None, remote_id: str | None, not_published: bool) -> None:
    """Settle a target whose outcome is unknown (TARGET is post-id/platform/occurrence, as `status` shows).

    Look at the account first. Then either `--published URL` (it is there) or `--not-published` (it is not).
    """
    from publisher.operations import resolve_target

    published = bool(permalink or remote_id)
    if published == not_published:
        raise click.UsageError("give either --published URL (or --remote-id ID) or --not-published")
    try:
        moved = resolve_target(
            target, ledger=_ledger(ctx.settings), published=published, remote_id=remote_id, permalink=permalink
        )
    except ValueError as exc:
        raise _fail(exc) from None
    if not moved:
        raise click.ClickException(f"{target} is not unknown or sending; nothing changed (see `publisher status`)")
    click.echo(f"{target}: recorded as {'published' if published else 'not published'}")


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("preview"),
    show_default=True,
    help="Folder to write the site into (index.html, one page per post, the card images).",
)
@click.option(
    "--ledger/--no-ledger",
    default=None,
    help="Show each target's publishing state from PUBLISHER_REDIS_URL. Default: only when that server is on "
    "this machine (loopback or a unix socket); the embedded Redis is never started for a preview.",
)
@click.option(
    "--posters/--no-posters",
    default=True,
    show_default=True,
    help="Also write each post's A4 poster PDF and link it from its page (the slowest part of a first run).",
)
@pass_context
def preview(ctx: Context, paths: tuple[Path, ...], out_dir: Path, ledger: bool | None, posters: bool) -> None:
    """Dry-run of everything: a static review site of every post (default: the posts folder).

    Renders every card for every platform a post names, with the exact caption and its count against the
    platform's limit, the alt text, English version and reminder cards; plus a calendar of the coming month.
    Open DIR/index.html in a browser; no server needed. Opens no outside socket. Exits 1 when any post is
    invalid (the others are still previewed).
    """
    from publisher.preview import build_site
    from publisher.preview.ledger import preview_ledger

    settings = ctx.settings
    report = build_site(
        list(paths),
        settings,
        out_dir,
        ledger=preview_ledger(settings, ledger),
        show_progress=sys.stderr.isatty(),
        posters=posters,
    )
    for item in report.invalid:
        for problem in item.problems:
            click.echo(str(problem), err=True)
    click.echo(
        f"{len(report.posts)} post(s) previewed, {len(report.invalid)} invalid; cards: {report.cards_rendered} "
        f"rendered, {report.cards_reused} unchanged. Open {report.index}",
        err=True,
    )
    sys.exit(0 if report.ok else 1)


# --- the scheduler: run, status, pause, resume (publisher.scheduler, worker/) -----------------------------------


def _scheduler_runtime(settings: Settings):  # -> publisher.scheduler.runtime.Runtime
    from publisher.scheduler.runtime import Runtime

    return Runtime(settings)


@cli.command()
@click.option("--dry-run", is_flag=True, help="Publish nowhere; record what would be sent (also PUBLISHER_DRY_RUN).")
@click.option("--concurrency", default=2, show_default=True, help="Worker processes publishing in parallel.")
@pass_context
def run(ctx: Context, dry_run: bool, concurrency: int) -> None:
    """The main job: publish due posts on time until stopped (Ctrl-C).

    Runs a Celery worker with its beat on this machine. The beat reads the posts folder every few seconds and
    schedules the ready posts; each target is published once. Uses PUBLISHER_REDIS_URL, or an embedded Redis
    under PUBLISHER_STATE_DIR when that is unset. On several machines run `celery -A worker worker` on each and
    `celery -A worker beat` on the one with the posts folder instead.
    """
    from publisher.scheduler.run import run as run_worker

    settings = ctx.settings
    sys.exit(run_worker(settings, dry_run=dry_run or settings.dry_run, concurrency=concurrency))


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
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


@cli.command()
@pass_context
def pause(ctx: Context) -> None:
    """Stop all publishing at once (every worker obeys); nothing is lost, `publisher resume` restarts it.

    Targets that become more than PUBLISHER_MISSED_GRACE_MINUTES overdue while paused are held as missed.
    """
    _scheduler_runtime(ctx.settings).schedule.pause()
    click.echo("paused: nothing will be published until `publisher resume`")


@cli.command()
@pass_context
def resume(ctx: Context) -> None:
    """Restart publishing after `publisher pause`."""
    _scheduler_runtime(ctx.settings).schedule.resume()
    click.echo("resumed")


@cli.command()
@click.argument("post_id")
@click.option(
    "--out",
    "out_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the poster: FILE.pdf (one A4 page) or FILE.png (300 dpi).",
)
@click.option("--english", is_flag=True, help="The English version (the post needs an `en:` block).")
@pass_context
def poster(ctx: Context, post_id: str, out_file: Path, english: bool) -> None:
    """Write an A4 printable poster of one post, for notice boards.

    The same design as the social cards, at A4 portrait and 300 dpi, with the post's text. PDF or PNG by the
    suffix of --out.
    """
    from publisher.cards.poster import format_for_suffix, render_poster
    from publisher.check import PostInvalid, PostNotFound, load_post_by_id

    fmt = format_for_suffix(out_file.suffix)
    if fmt is None:
        raise click.BadParameter(f"{out_file.name!r}: end the file name with .pdf or .png", param_hint="--out")
    try:
        post = load_post_by_id(post_id, ctx.settings)
    except (PostNotFound, PostInvalid) as exc:
        raise _fail(exc) from None
    if english and post.en is None:
        raise click.ClickException(f"post {post_id!r} has no English version (`en:`)")
    data = render_poster(post, english=english, fmt=fmt)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_bytes(data)
    click.echo(f"{out_file}: A4 poster of {post_id} ({fmt}, {len(data):,} bytes)")


def main() -> None:
    try:
        cli(prog_name="publisher")
    except Exception:  # a bug: show the traceback, masked, rather than let a token reach the terminal
        import traceback

        from publisher.masking import current_masker

        sys.stderr.write(current_masker().mask(traceback.format_exc()))
        sys.exit(1)
