"""Every limit a post file must keep, in one place: what `check` accepts must render, schedule and publish once.

Each limit is far beyond what the comms team writes, and each guards a step downstream that would otherwise hang,
crash or eat the machine: reading the file, expanding its YAML, drawing the title, computing reminder and repeat
dates. The rules that enforce them name the file and line (:mod:`publisher.posts.bounds`, the loader).
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

# --- the file ---------------------------------------------------------------------------------------------------
MAX_FILE_BYTES = 256 * 1024  # a long post with an English version is ~10 KB; a FIFO or /dev/zero never ends

# --- the YAML front matter --------------------------------------------------------------------------------------
MAX_YAML_DEPTH = 16  # a post nests three levels (event → reminders → item); Python's recursion ends near 1,000
MAX_YAML_VALUES = 5_000  # values after expanding aliases: a "billion laughs" front matter stops here

# --- text -------------------------------------------------------------------------------------------------------
MAX_TITLE_CHARS = 250  # the longest realistic title is ~150; a 30 KB title would only ever end in "…"
MAX_SUBTITLE_CHARS = 400
MAX_BODY_CHARS = 20_000  # beyond every platform's caption limit; the poster prints the body
# Control characters forge terminal output and break headers; a body may hold line breaks and tabs.
BODY_CONTROLS_ALLOWED = frozenset("\n\t\r")

# --- dates ------------------------------------------------------------------------------------------------------
# Every instant a post names or implies (reminders, repeats) stays in these years, so no date arithmetic overflows
# and every instant has a Unix timestamp.
EARLIEST_YEAR = 2000
LATEST_YEAR = 2999
MAX_REMINDER_OFFSET = timedelta(days=366)  # a reminder more than a year before the event is a typo

# --- repeats ----------------------------------------------------------------------------------------------------
# A repeat's next occurrence must fall within this span of publish_at (a cron like "0 0 30 2 *" never fires).
REPEAT_MUST_FIRE_WITHIN = timedelta(days=366)
# Occurrences are expanded over a rolling window: from a little before now (an occurrence being published stays
# part of the post) to the horizon ahead, at most REPEAT_MAX of them.
REPEAT_LOOKBACK = timedelta(days=1)
REPEAT_HORIZON = timedelta(days=62)
REPEAT_MAX = 100
# Unicode's control characters (category Cc) are exactly these two ranges.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
CONTROL_CHARACTERS = frozenset(char for char in map(chr, range(0xA0)) if _CONTROL.match(char))
# croniter's "R" (random) and "H" (hashed) fields pick a new instant each time they are read: a new target on
# every sync.
RANDOM_CRON_FIELD = re.compile(r"(?:^|[\s,/])[RH](?:$|[\s,/(])")


def file_problem(path: Path) -> str | None:
    """Why ``path`` must not be read as a post file, or ``None``; decided from ``stat`` alone, so a FIFO or a
    device is never opened."""
    try:
        info = os.stat(path)
    except OSError as exc:
        return f"cannot read file: {exc.strerror or exc}"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file (a pipe, device or folder): a post is a plain text file"
    if info.st_size > MAX_FILE_BYTES:
        return f"file is {info.st_size:,} bytes; a post file may be at most {MAX_FILE_BYTES:,}"
    return None


def read_limited(path: Path) -> bytes:
    """The file's bytes, never more than the limit (the file may grow between ``stat`` and read)."""
    with open(path, "rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise OSError(f"file is larger than {MAX_FILE_BYTES:,} bytes")
    return data


def year_in_range(moment: datetime) -> bool:
    return EARLIEST_YEAR <= moment.year <= LATEST_YEAR


def wall_time_exists(naive: datetime, tz: ZoneInfo) -> bool:
    """False for a local time inside a daylight-saving gap (02:30 on the night clocks jump from 02:00 to 03:00)."""
    for fold in (0, 1):
        local = naive.replace(tzinfo=tz, fold=fold)
        if local.astimezone(ZoneInfo("UTC")).astimezone(tz).replace(tzinfo=None) == naive:
            return True
    return False


def control_characters(text: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    """The control characters (Unicode category Cc) in ``text``, other than ``allowed``, as escapes (``\\x1b``)."""
    found = set(_CONTROL.findall(text)) - allowed
    return sorted(escaped(char) for char in found)


def invisible(char: str) -> bool:
    """Separators and format characters (zero-width space, joiners, BOM): they draw nothing on a card."""
    return unicodedata.category(char) in ("Cf", "Zs", "Zl", "Zp", "Cc", "Mn", "Me")


def escaped(text: str) -> str:
    """``text`` with every non-printable character written as an escape: safe to print on a terminal."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else char.encode("unicode_escape").decode("ascii") for char in text)


def one_line(text: str) -> str:
    """A message that may hold line breaks (a platform's error page), as one line."""
    return " ".join(escaped(part) for part in text.split())
