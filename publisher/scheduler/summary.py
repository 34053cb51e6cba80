"""What ``publisher run`` says when it starts, in the team's language: the posts it read, the problems found, how
many publications wait, and what goes out next, when and where::

    pos: 3 dibaca dari posts (2 siap, 1 draf); masalah: tidak ada
    terjadwal: 8 publikasi
    berikutnya: paspor-baru → 7 platform, Rabu 2 Des 09.00 WIB, 20 jam lagi
    log worker: .publisher/worker.log (--verbose menampilkannya di sini) · berhenti: Ctrl-C
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import cast

from publisher.publishing.targets import parse_target_id
from publisher.scheduler.runtime import Runtime
from publisher.scheduler.sync import SyncReport
from publisher.text.dates import format_short_id, format_until_id

NAMED_POSTS = 3  # more posts due at the same minute are counted, not named


@dataclass(frozen=True)
class NextUp:
    at: float  # epoch
    posts: list[str]
    platforms: list[str]

    def text(self, runtime: Runtime, now: float) -> str:
        named = ", ".join(self.posts[:NAMED_POSTS])
        if len(self.posts) > NAMED_POSTS:
            named += f" dan {len(self.posts) - NAMED_POSTS} pos lain"
        where = self.platforms[0] if len(self.platforms) == 1 else f"{len(self.platforms)} platform"
        when = format_short_id(datetime.fromtimestamp(self.at, runtime.settings.tz), runtime.settings.tz)
        return f"{named} → {where}, {when}, {format_until_id(self.at - now)}"


def next_up(runtime: Runtime) -> NextUp | None:
    """The earliest due minute in the schedule and everything due with it."""
    due_key = runtime.schedule.keys.due
    first = cast(list, runtime.redis.zrange(due_key, 0, 0, withscores=True))
    if not first:
        return None
    at = float(first[0][1])
    ids = [i.decode() for i in cast(list, runtime.redis.zrangebyscore(due_key, at, at + 59))]
    posts, platforms = [], []
    for target_id in ids:
        post_id, platform, _occurrence = parse_target_id(target_id)
        posts.append(post_id)
        platforms.append(platform)
    return NextUp(at, list(dict.fromkeys(posts)), list(dict.fromkeys(platforms)))


def start_summary(runtime: Runtime, report: SyncReport, *, log_file: Path | None, now: float) -> list[str]:
    settings = runtime.settings
    lines = []
    if settings.dry_run:
        lines.append("uji coba (--dry-run): tidak ada yang benar-benar diterbitkan; hasilnya di `publisher status`")
    if report.ready + report.drafts == 0 and report.errors == 0:
        lines.append(f"pos: tidak ada di {settings.posts_dir} — tulis satu dengan `publisher new`")
    else:
        found = f"{report.ready} siap, {report.drafts} draf"
        problems = "tidak ada"
        if report.errors or report.warnings:
            problems = f"{report.errors} galat, {report.warnings} peringatan — `publisher check` merinci"
            if report.invalid_posts:
                problems += f"; tidak dijadwalkan: {', '.join(report.invalid_posts)}"
        lines.append(
            f"pos: {report.ready + report.drafts} dibaca dari {settings.posts_dir} ({found}); masalah: {problems}"
        )
    waiting = runtime.redis.zcard(runtime.schedule.keys.due) + runtime.redis.zcard(runtime.schedule.keys.leased)
    lines.append(f"terjadwal: {waiting} publikasi")
    if runtime.schedule.paused:
        lines.append("DIJEDA: tidak ada yang diterbitkan sampai `publisher resume`")
    coming = next_up(runtime)
    lines.append(f"berikutnya: {coming.text(runtime, now)}" if coming else "berikutnya: tidak ada")
    where = f"log worker: {log_file} (--verbose menampilkannya di sini)" if log_file else "log worker: di bawah ini"
    lines.append(f"{where} · berhenti: Ctrl-C")
    return lines
