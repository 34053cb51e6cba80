"""click commands whose help is shown in the invocation's language.

``--lang`` is parsed after the decorators ran, so help cannot be translated when a command is defined: the commands'
docstrings and the options' ``help=N_("...")`` stay English (the catalog's keys) and are looked up when shown.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click

from publisher.i18n import N_, _

# click's own words in a help page (click looks them up in no catalog of ours; these are the English it shows).
CLICK_WORDS = (
    N_("Usage:"),
    N_("Options"),
    N_("Commands"),
    N_("Show this message and exit."),
    N_("Show the version and exit."),
)
# The extras click appends to an option's help, "[default: preview; required]", item by item.
EXTRAS = {"default": N_("default: {default}"), "env var": N_("env var: {var}")}
REQUIRED = N_("required")
_EXTRAS_AT_END = re.compile(r"\[([^\[\]]*)\]$")


def _translate_extras(text: str) -> str:
    match = _EXTRAS_AT_END.search(text)
    if match is None:
        return text
    items = []
    for item in match.group(1).split("; "):
        name, _sep, value = item.partition(": ")
        if item == REQUIRED:
            items.append(_(REQUIRED))
        elif name in EXTRAS and value:
            items.append(_(EXTRAS[name]).format(default=value, var=value))
        else:
            items.append(item)
    return f"{text[: match.start()]}[{'; '.join(items)}]"


@contextmanager
def _translated(*items: Any) -> Iterator[None]:
    """The items' ``help`` in the active language while click formats it."""
    originals = [item.help for item in items]
    for item in items:
        if item.help:
            item.help = _(inspect.cleandoc(item.help))
    try:
        yield
    finally:
        for item, original in zip(items, originals, strict=True):
            item.help = original


class TranslatedFormatter(click.HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, f"{_('Usage:')} " if prefix is None else prefix)

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        super().write_dl([(term, _translate_extras(text)) for term, text in rows], col_max, col_spacing)

    @contextmanager
    def section(self, name: str) -> Iterator[None]:
        with super().section(_(name)):
            yield


class TranslatedContext(click.Context):
    formatter_class = TranslatedFormatter


class TranslatedCommand(click.Command):
    context_class = TranslatedContext

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _translated(self):
            super().format_help_text(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        with _translated(self):
            return super().get_short_help_str(limit)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _translated(*(p for p in self.get_params(ctx) if isinstance(p, click.Option))):
            super().format_options(ctx, formatter)


class TranslatedGroup(TranslatedCommand, click.Group):
    command_class = TranslatedCommand
    group_class = type  # subgroups (`survey`) are of this class too
