"""What the benchmarks that generate post files share: the example posts' dates moved along."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

_DATE_LINE = re.compile(r"^(\s*(?:publish_at|starts_at|valid_until): )(\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2})?)$", re.M)


def shift_times(front: str, shift: timedelta) -> str:
    """``front`` (a post's front matter) with every ``publish_at``, ``starts_at`` and ``valid_until`` moved by
    ``shift``, each written back in the form it had (a date, or a date and a time)."""

    def moved(match: re.Match[str]) -> str:
        value = match.group(2)
        fmt = "%Y-%m-%d %H:%M" if " " in value else "%Y-%m-%d"
        return f"{match.group(1)}{(datetime.strptime(value, fmt) + shift).strftime(fmt)}"

    return _DATE_LINE.sub(moved, front)
