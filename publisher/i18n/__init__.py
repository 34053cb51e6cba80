"""Every word a person reads, in the reader's language: Indonesian by default, English (the source strings) on request.

The catalogs are GNU gettext files managed with Babel (``babel.cfg``; see the README's "Translations"): the messages
are English in the code, ``publisher/locale/id/LC_MESSAGES/publisher.po`` holds the Indonesian, and the compiled
``publisher.mo`` beside it is committed, so the plain ``pip install .`` needs no Babel and no build step.

The language is ``PUBLISHER_LANGUAGE`` (``id`` or ``en``), read at each lookup so a test or a process can change it;
the CLI's ``--lang`` overrides it for one invocation (:func:`use_language`). Machine-facing forms never go through
here: the ``path:line: error:`` keywords, JSON keys, log fields, state names in logs.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from publisher import defaults

DOMAIN = "publisher"
LOCALE_DIR = Path(__file__).parent.parent / "locale"
LANGUAGES = ("id", "en")
ENV_VAR = "PUBLISHER_LANGUAGE"

_override: list[str] = []  # the innermost --lang (a stack, so nested invocations in one process unwind cleanly)
_configured: list[str] = []  # the settings' language (a .env file's PUBLISHER_LANGUAGE is not in the environment)


def current_language() -> str:
    """The active language: the CLI's ``--lang``, else ``PUBLISHER_LANGUAGE`` (the environment, else the settings
    read from ``.env``), else Indonesian."""
    if _override:
        return _override[-1]
    chosen = os.environ.get(ENV_VAR, "").strip().lower() or (_configured[-1] if _configured else defaults.LANGUAGE)
    return chosen if chosen in LANGUAGES else defaults.LANGUAGE


@contextmanager
def use_language(language: str) -> Iterator[None]:
    """Speak ``language`` until the block ends (the CLI wraps one invocation in it)."""
    _override.append(language)
    try:
        yield
    finally:
        _override.pop()


def push_language(language: str) -> None:
    """``use_language`` for a caller that can only register a callback to end it (click's ``call_on_close``)."""
    _override.append(language)


def pop_language() -> None:
    if _override:
        _override.pop()


def configure(language: str | None) -> None:
    """Adopt the settings' ``language`` (read where settings are read: a ``.env`` may name it); None forgets it."""
    _configured[:] = [language] if language else []


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalog of ``language``; English is the source, so its catalog is empty."""
    if language == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[language], fallback=True)


def _(message: str) -> str:
    """``message`` (English source) in the active language."""
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form for ``n`` (Indonesian has one form; English two)."""
    return translations(current_language()).ngettext(singular, plural, n)


def gettext_(message: str) -> str:  # the name Jinja's i18n extension and Babel's jinja extractor know
    return _(message)


def N_(message: str) -> str:  # gettext's conventional name for "mark only"
    """Mark ``message`` for the catalog without translating it here (it is translated where it is shown)."""
    return message
