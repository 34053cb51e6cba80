"""The ``publisher`` command: thin verbs over the library (see the README for what each one is for)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from publisher import __version__
from publisher.settings import Settings, load_settings


class Context:
    """Settings are read once per invocation, lazily, so ``--help`` works even with broken settings."""

    def __init__(self) -> None:
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = load_settings()
            except Exception as exc:  # pydantic's ValidationError: show it as a settings problem
                raise click.ClickException(f"settings: {exc}") from None
        return self._settings


pass_context = click.make_pass_decorator(Context, ensure=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="publisher")
def cli() -> None:
    """Schedule and publish the posts of Kantor Imigrasi Bengkulu Selatan.

    Posts are Markdown files with YAML front matter in the posts folder (PUBLISHER_POSTS_DIR, default
    ./posts). Check them, preview them, then let `publisher run` publish them on time.
    """


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


def main() -> None:
    cli(prog_name="publisher")
