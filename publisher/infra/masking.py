"""Keep credentials out of everything a person or a log file sees.

A :class:`Masker` knows the secret values of this process (``Settings.secret_values()``) and replaces them, and
the shapes tokens take inside URLs and headers even when the value is not known (``/bot<token>/``,
``access_token=...``, ``Bearer ...``), with ``***``. It is the only masker: the adapters and both
transports use it for their messages and the dry-run record, and every process that writes logs installs one as
a log filter (:func:`install_log_masking`): the CLI, which also passes every line it prints and every error it
reports through it (:class:`MaskingStream`), and the Celery worker and beat (``worker/celery_app.py``).
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TextIO
from urllib.parse import quote, quote_plus

from publisher.infra.settings import Settings

MASK = "***"
MIN_SECRET_LENGTH = 4  # shorter "secrets" (a stray "1") would mask ordinary digits everywhere
# Settings whose values are secret, by name, for when the settings cannot be parsed (Masker.from_environment).
_SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|KEY|REDIS_URL|DATABASE_URL", re.I)

# Token shapes worth hiding even when the value is not one we know (another bot's token in an error message).
_PATTERNS = [
    (re.compile(r"(/bot)\d+:[A-Za-z0-9_-]+"), r"\1" + MASK),  # Telegram: /bot123456:ABC.../sendPhoto
    (
        re.compile(r"((?:access_token|token|password|app_password|client_secret|oauth_signature)=)[^&\s'\"]+", re.I),
        r"\1" + MASK,
    ),
    (re.compile(r"(\b(?:Bearer|OAuth)\s+)[A-Za-z0-9._~+/=%,\"-]{8,}"), r"\1" + MASK),
    (re.compile(r"(redis(?:s)?://[^:/@\s]*:)[^@\s]+(@)"), r"\1" + MASK + r"\2"),  # a password in a Redis URL
    (re.compile(r"(postgres(?:ql)?(?:\+\w+)?://[^:/@\s]*:)[^@\s]+(@)"), r"\1" + MASK + r"\2"),  # ... a database URL
]


class Masker:
    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        variants: set[str] = set()
        for secret in secrets:
            if secret and len(secret) >= MIN_SECRET_LENGTH:
                # The URL-encoded forms too: a token in a query string or a form body appears encoded.
                variants.update({secret, quote(secret, safe=""), quote_plus(secret)})
                # As an error message quotes it: escaped ("tok\\n" in a repr) and without stray whitespace.
                quoted = (secret.encode("unicode_escape").decode("ascii"), secret.strip())
                variants.update(v for v in quoted if len(v) >= MIN_SECRET_LENGTH)
        # Longest first, so a secret containing another is masked whole.
        self.secrets = sorted(variants, key=len, reverse=True)

    @classmethod
    def from_settings(cls, settings: Settings) -> Masker:
        return cls(settings.secret_values())

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Masker:
        """For when the settings themselves cannot be read: every ``PUBLISHER_*`` value that looks secret."""
        environ = os.environ if environ is None else environ
        return cls(
            value
            for name, value in environ.items()
            if name.startswith("PUBLISHER_") and _SECRET_NAME.search(name.removeprefix("PUBLISHER_"))
        )

    def mask(self, text: str) -> str:
        if not text:
            return text
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text

    __call__ = mask


# --- logging ---------------------------------------------------------------------------------------------------


class MaskingFilter(logging.Filter):
    """Rewrites a record's message (and its exception text) masked. Never drops a record."""

    def __init__(self, masker: Masker) -> None:
        super().__init__()
        self.masker = masker

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_publisher_masked", None) is self.masker:
            return True
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            # The exception object cannot be masked, so it is dropped from the record below; its one-line summary
            # joins the message (masked) and its traceback goes to exc_text (masked), which formatters print.
            exc = record.exc_info[1]
            message += f" error={type(exc).__name__}: {exc}"
            if not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg = self.masker.mask(message)
        record.args = None
        if record.exc_text:
            record.exc_text = self.masker.mask(record.exc_text)
        record.exc_info = None
        if record.stack_info:
            record.stack_info = self.masker.mask(record.stack_info)
        record._publisher_masked = self.masker  # type: ignore[attr-defined]
        return True


_installed: MaskingFilter | None = None
_base_factory: Callable[..., logging.LogRecord] | None = None


def install_log_masking(masker: Masker) -> MaskingFilter:
    """Mask every log record of this process with ``masker``; calling it again replaces the previous masker.

    The filter sits on the root logger and its handlers as asked, and the record factory masks each record when
    it is created: a filter on the root logger alone never sees records that child loggers pass to the root's
    handlers, and handlers added later (pytest's, Celery's) would otherwise get them unmasked.
    """
    global _installed, _base_factory
    root = logging.getLogger()
    _detach_installed(root)
    _installed = MaskingFilter(masker)
    root.addFilter(_installed)
    for handler in root.handlers:
        handler.addFilter(_installed)

    if _base_factory is None:
        _base_factory = logging.getLogRecordFactory()
        base = _base_factory

        def masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = base(*args, **kwargs)
            if _installed is not None:
                _installed.filter(record)
            return record

        logging.setLogRecordFactory(masked_record)
    return _installed


def _detach_installed(root: logging.Logger) -> None:
    if _installed is not None:
        root.removeFilter(_installed)
        for handler in root.handlers:
            handler.removeFilter(_installed)


def uninstall_log_masking() -> None:
    """Undo :func:`install_log_masking` (tests that run the CLI in-process clean up with it)."""
    global _installed, _base_factory
    _detach_installed(logging.getLogger())
    _installed = None
    if _base_factory is not None:
        logging.setLogRecordFactory(_base_factory)
        _base_factory = None


def current_masker() -> Masker:
    return _installed.masker if _installed is not None else Masker()


# --- printed output --------------------------------------------------------------------------------------------


class MaskingStream:
    """A text stream that masks what is written to it, line by line, before passing it on.

    Whole lines are masked at once so a secret is never split across two writes; a partial line waits in a
    buffer until its newline or a flush.
    """

    def __init__(self, stream: TextIO, masker: Callable[[], Masker] = current_masker) -> None:
        self._stream = stream
        self._masker = masker
        self._pending = ""

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self._pending += text
        if "\n" in self._pending:
            complete, _, self._pending = self._pending.rpartition("\n")
            self._stream.write(self._masker().mask(complete + "\n"))
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._stream.write(self._masker().mask(self._pending))
            self._pending = ""
        self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        if name == "buffer":
            # Hidden on purpose: click (and others) write bytes to ``.buffer`` when they find one, which would
            # go around the mask. Without it they write text through ``write``.
            raise AttributeError(name)
        return getattr(self._stream, name)


def mask_standard_streams() -> Callable[[], None]:
    """Wrap ``sys.stdout``/``sys.stderr`` in :class:`MaskingStream`; returns the function that undoes it."""
    original = sys.stdout, sys.stderr
    if not isinstance(sys.stdout, MaskingStream):
        sys.stdout = MaskingStream(sys.stdout)  # type: ignore[assignment]
    if not isinstance(sys.stderr, MaskingStream):
        sys.stderr = MaskingStream(sys.stderr)  # type: ignore[assignment]

    def restore() -> None:
        for stream in (sys.stdout, sys.stderr):
            if isinstance(stream, MaskingStream):
                stream.flush()
        sys.stdout, sys.stderr = original

    return restore
