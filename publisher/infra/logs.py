"""Log lines an operator can grep: one line per event, ``key=value`` pairs, never a secret.

    2026-12-02T09:00:03+07:00 INFO publisher.publish event=published post=paspor-baru platform=x occurrence=main
        state=published attempt=1 remote_id=1864...

(one line in the file; wrapped here). :func:`event` writes such a line; :func:`configure` installs the handler the
CLI and the worker use. Secrets are masked by :mod:`publisher.infra.masking` (its record factory and filter see every
record, including these); nothing here duplicates it. ``--verbose`` (or ``PUBLISHER_LOG_LEVEL=DEBUG``) adds the
details: debug lines and full tracebacks, still masked.
"""

from __future__ import annotations

import logging
import os
import sys
from datetime import datetime
from typing import Any, TextIO

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
DEFAULT_LEVEL = "WARNING"  # the CLI stays quiet unless asked; the worker sets INFO
_HANDLER_MARK = "_publisher_logs_handler"


class OneLineFormatter(logging.Formatter):
    """Keeps each record on one line (a multi-line message or error is escaped), so one event is one line.

    Tracebacks are kept only in verbose mode, where a person asked for details; otherwise the exception's type
    and message are appended to the same line.
    """

    def __init__(self, *, verbose: bool = False) -> None:
        super().__init__(FORMAT)
        self.verbose = verbose

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="seconds")

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info and not self.verbose:
            exc = record.exc_info[1]
            message += f" error={_value(f'{type(exc).__name__}: {exc}')}"
        record.message = message.replace("\r", "").replace("\n", "\\n")
        record.asctime = self.formatTime(record, self.datefmt)  # logging.Formatter.format would set it; we replaced it
        line = self.formatMessage(record)
        if self.verbose:
            if record.exc_info and not record.exc_text:
                record.exc_text = self.formatException(record.exc_info)
            if record.exc_text:
                line += "\n" + record.exc_text
        return line


def configure(*, verbose: bool = False, stream: TextIO | None = None, level: str | None = None) -> logging.Handler:
    """Install (or reconfigure) the one log handler on the root logger; returns it.

    Level: ``DEBUG`` with ``verbose``, else ``level``, else ``PUBLISHER_LOG_LEVEL``, else WARNING.
    """
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, _HANDLER_MARK, False)), None)
    if handler is None:
        handler = logging.StreamHandler(stream or sys.stderr)
        setattr(handler, _HANDLER_MARK, True)
        root.addHandler(handler)
    handler.setFormatter(OneLineFormatter(verbose=verbose))
    chosen = "DEBUG" if verbose else (level or os.environ.get("PUBLISHER_LOG_LEVEL") or DEFAULT_LEVEL)
    if chosen.upper() not in logging.getLevelNamesMapping():
        raise ValueError(f"PUBLISHER_LOG_LEVEL {chosen!r} is not a log level: DEBUG, INFO, WARNING, ERROR, CRITICAL")
    root.setLevel(chosen.upper())
    if verbose:
        # Details of our own code, not every HTTP library's chatter.
        for noisy in ("urllib3", "PIL", "celery.utils.functional", "kombu"):
            logging.getLogger(noisy).setLevel(logging.INFO)
    return handler


def event(
    logger: logging.Logger,
    name: str,
    *,
    post_id: str,
    platform: str | None = None,
    state: str | None = None,
    attempt: int | None = None,
    level: int = logging.INFO,
    **details: Any,
) -> None:
    """One line for one event: ``event=NAME post=ID platform=P state=S attempt=N`` plus ``details``.

    Pass no secret in ``details``; any that slips in is masked by the logging filter anyway.
    """
    fields: dict[str, Any] = {"event": name, "post": post_id, "platform": platform, "state": state, "attempt": attempt}
    fields.update(details)
    logger.log(level, " ".join(f"{key}={_value(value)}" for key, value in fields.items() if value is not None))


def _value(value: Any) -> str:
    text = str(value)
    quoted = not text or any(c in text for c in ' "=\n')
    if quoted:
        text = text.replace("\\", "\\\\").replace('"', '\\"')
    text = text.replace("\r", "").replace("\n", "\\n")
    return f'"{text}"' if quoted else text
