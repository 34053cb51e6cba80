"""``publisher check``: validate post files and report every problem, never stopping at the first.

Per-file rules run in the loader; here run the rules that need more than one file (duplicate ids, ``supersedes``),
the settings (a listed platform that is not configured), and the captions (the adapters' own limits).
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from publisher.adapters.registry import adapter_classes
from publisher.i18n import N_, _
from publisher.infra.settings import Settings
from publisher.posts.loader import load_post
from publisher.posts.model import Post
from publisher.posts.problems import LoadResult, Problem, error, warning
from publisher.text.captions import build_caption

# The start of the warning for a listed platform without credentials: the review site says it once, not per post.
NOT_CONFIGURED = N_("not configured here:")


@dataclass
class CheckReport:
    results: list[LoadResult] = field(default_factory=list)
    missing_paths: list[Problem] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        found = list(self.missing_paths)
        for result in self.results:
            found.extend(result.problems)
        return sorted(found)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def posts(self) -> list[Post]:
        """The posts that passed, in file order."""
        return [r.post for r in self.results if r.ok and r.post is not None]

    @property
    def ok(self) -> bool:
        return not self.errors


def find_post_files(paths: Sequence[Path]) -> tuple[list[Path], list[Problem]]:
    files: list[Path] = []
    missing: list[Problem] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    p
                    for p in path.rglob("*.md")
                    if not any(part.startswith((".", "_")) for part in p.relative_to(path).parts)
                )
            )
        elif path.exists():
            files.append(path)
        else:
            missing.append(error(str(path), 1, _("no such file or directory")))
    return list(dict.fromkeys(files)), missing


def check_paths(paths: Sequence[Path] | None, settings: Settings) -> CheckReport:
    posts_dir = settings.posts_dir
    targets = list(paths) if paths else [posts_dir]
    files, missing = find_post_files(targets)
    report = CheckReport(missing_paths=missing)
    report.results = [_load(f, targets, settings) for f in files]

    # Ids and `supersedes` are judged against the whole posts dir, even when only one file is checked.
    checked = {f.resolve() for f in files}
    context_files, _ = find_post_files([posts_dir]) if posts_dir.is_dir() else ([], [])
    context = [_load(f, targets, settings) for f in context_files if f.resolve() not in checked]
    _cross_file_rules(report.results, context)
    for result in report.results:
        if result.post is not None:
            result.problems.extend(_settings_rules(result, settings))
            result.problems.extend(_caption_rules(result))
    return report


def _load(file: Path, targets: Iterable[Path], settings: Settings) -> LoadResult:
    root = _root_for(file, settings.posts_dir, targets)
    return load_post(
        file,
        tz=settings.tz,
        root=root,
        platforms=set(adapter_classes()),
        display=_display(file),
    )


def _root_for(file: Path, posts_dir: Path, targets: Iterable[Path]) -> Path:
    """The folder an ``image:`` must stay inside: the posts dir, or the folder being checked."""
    resolved = file.resolve()
    for candidate in (posts_dir, *targets):
        base = candidate if candidate.is_dir() else candidate.parent
        if resolved.is_relative_to(base.resolve()):
            return base
    return file.parent


def _display(file: Path) -> str:
    try:
        return os.path.relpath(file)
    except ValueError:  # another drive on Windows
        return str(file)


def _cross_file_rules(results: list[LoadResult], context: list[LoadResult]) -> None:
    by_id: dict[str, list[LoadResult]] = defaultdict(list)
    for result in [*results, *context]:
        if result.post_id:
            by_id[result.post_id].append(result)
    for result in results:
        others = [o for o in by_id.get(result.post_id or "", []) if o is not result]
        if others:
            names = ", ".join(o.display for o in others)
            result.problems.append(
                error(
                    result.display,
                    result.line_of("id"),
                    _("duplicate id {id!r}: also used by {files}").format(id=result.post_id, files=names),
                )
            )
        post = result.post
        if post is not None and post.supersedes and post.supersedes != post.id and post.supersedes not in by_id:
            result.problems.append(
                warning(
                    result.display,
                    result.line_of("supersedes"),
                    _("supersedes {id!r}, which is not in the posts folder").format(id=post.supersedes),
                )
            )


def _settings_rules(result: LoadResult, settings: Settings) -> list[Problem]:
    assert result.post is not None
    unconfigured = [
        name
        for name in result.post.platforms
        if (platform := settings.platform(name)) is not None and not platform.configured
    ]
    if not unconfigured:
        return []
    return [
        warning(
            result.display,
            result.line_of("platforms"),
            _(NOT_CONFIGURED)
            + " "
            + _("{platforms} (publishing there fails until set; `publisher doctor` lists the settings)").format(
                platforms=", ".join(unconfigured)
            ),
        )
    ]


def _caption_rules(result: LoadResult) -> list[Problem]:
    post = result.post
    assert post is not None
    problems = []
    classes = adapter_classes()
    for name in post.platforms:
        adapter = classes[name]
        caption = build_caption(post, adapter)
        if caption.overridden and not caption.fits:
            problems.append(
                error(
                    result.display,
                    result.line_of(f"text.{name}", "text"),
                    _("the {platform} caption is {length} long; the limit is {limit}").format(
                        platform=adapter.label, length=caption.length, limit=caption.limit
                    ),
                )
            )
        elif caption.shortened:
            problems.append(
                warning(
                    result.display,
                    result.line_of("body", "title"),
                    _(
                        "caption shortened for {platform} ({limit} max): add text.{name} to choose the words yourself"
                    ).format(platform=adapter.label, limit=caption.limit, name=name),
                )
            )
        elif caption.dropped_hashtags:
            problems.append(
                warning(
                    result.display,
                    result.line_of("hashtags"),
                    _("{platform} allows {limit} hashtags; {dropped} dropped").format(
                        platform=adapter.label, limit=adapter.max_hashtags, dropped=caption.dropped_hashtags
                    ),
                )
            )
        if post.alt and adapter.supports_alt_text and len(post.alt) > adapter.max_alt_chars:
            problems.append(
                error(
                    result.display,
                    result.line_of("alt"),
                    _("alt is {length} characters; {platform} allows {limit}").format(
                        length=len(post.alt), platform=adapter.label, limit=adapter.max_alt_chars
                    ),
                )
            )
    return problems
