"""``publisher check``: validate post files and report every problem, never stopping at the first.

Per-file rules run in the loader; here run the rules that need more than one file (duplicate ids, ``supersedes``),
the settings (a listed platform that is not configured), and the captions (the adapters' own limits).
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
from collections import defaultdict
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from publisher.adapters.registry import adapter_classes
from publisher.i18n import N_, _, current_language
from publisher.infra.settings import Settings
from publisher.posts import limits
from publisher.posts.bounds import supersede_cycles
from publisher.posts.cache import CheckCache, Verdict, file_key
from publisher.posts.loader import load_post
from publisher.posts.model import Post
from publisher.posts.problems import LoadResult, Problem, error, warning
from publisher.text.captions import measure_caption

POOL_MIN_FILES = 400  # below this, starting the worker processes costs more than it saves
POOL_MIN_CHUNK = 50  # files per task sent to a worker process
MAX_WORKERS = 4

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
            files.extend(_walk(path))
        elif path.exists():
            files.append(path)
        else:
            missing.append(error(str(path), 1, _("no such file or directory")))
    return list(dict.fromkeys(files)), missing


def _walk(folder: Path) -> list[Path]:
    """Every ``*.md`` under ``folder``, sorted, skipping files and folders whose name starts with ``.`` or ``_``
    (pruned while walking: a large hidden folder costs nothing)."""
    found: list[str] = []
    for current, dirs, names in os.walk(folder, followlinks=True):
        dirs[:] = [d for d in dirs if not d.startswith((".", "_"))]
        found.extend(os.path.join(current, n) for n in names if n.endswith(".md") and not n.startswith((".", "_")))
    # Sorted as Path sorts them (by parts), with strings: sorting 10,000 Path objects costs more than the walk.
    return [Path(p) for p in sorted(found, key=lambda p: p.split(os.sep))]


def check_paths(
    paths: Sequence[Path] | None, settings: Settings, *, cache: bool = True, workers: int | None = None
) -> CheckReport:
    """Check ``paths`` (default: the posts folder). Each file's own verdict comes from the cache in the state dir
    when nothing it depends on changed (:mod:`publisher.posts.cache`; ``cache=False`` recomputes everything), and
    many files are checked on every core (``workers``: how many processes at most, default one per core); the rules
    across files run every time, on the whole posts folder."""
    with _collector_paused():
        return _check_paths(paths, settings, cache=cache, workers=workers)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Thousands of results (and a cache of them unpickled) are all kept: the cyclic garbage collector would walk
    every one of them again and again as they are made, for nothing (it tripled a warm check of 10,000 files)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _check_paths(paths: Sequence[Path] | None, settings: Settings, *, cache: bool, workers: int | None) -> CheckReport:
    posts_dir = settings.posts_dir
    targets = list(paths) if paths else [posts_dir]
    files, missing = find_post_files(targets)
    report = CheckReport(missing_paths=missing)

    # Ids and `supersedes` are judged against the whole posts dir, even when only one file is checked.
    real = _RealPaths()
    context_files: list[Path] = []
    if targets != [posts_dir] and posts_dir.is_dir():
        checked = {real(f) for f in files}
        context_files = [f for f in find_post_files([posts_dir])[0] if real(f) not in checked]
    store = CheckCache.open(settings) if cache else None
    results = _check_files([*files, *context_files], targets, settings, store, workers, real)
    if store is not None:
        store.save(whole_folder=not paths or [Path(p) for p in paths] == [posts_dir])
    report.results, context = results[: len(files)], results[len(files) :]
    _cross_file_rules(report.results, context)
    supersede_cycles(report.results, context)
    return report


def check_file(
    file: Path, root: Path, display: str, settings: Settings, content: bytes | None, unconfigured: frozenset[str]
) -> LoadResult:
    """One file's own verdict: the loader's problems, then the settings' and the captions' (what the cache keeps).
    ``content``: the file's bytes, when read already; ``unconfigured``: :func:`unconfigured_platforms`."""
    result = load_post(
        file, tz=settings.tz, root=root, platforms=set(adapter_classes()), display=display, content=content
    )
    if result.post is not None:
        result.problems.extend(_settings_rules(result, unconfigured))
        result.problems.extend(_caption_rules(result))
    return result


def _check_files(
    files: list[Path],
    targets: list[Path],
    settings: Settings,
    store: CheckCache | None,
    workers: int | None,
    real: _RealPaths,
) -> list[LoadResult]:
    bases = [settings.posts_dir, *(t if t.is_dir() else t.parent for t in targets)]
    roots = [(base, os.path.realpath(base)) for base in bases]
    batch = _Batch(files, settings, unconfigured_platforms(settings), store, roots, real, _Display())
    results: list[LoadResult] = []
    for file, (display, key, done) in zip(files, _judge_all(batch, workers), strict=True):
        if done is None:  # the cache's verdict still holds
            assert store is not None and key is not None
            results.append(store.hit(key, file, display))
            continue
        if store is not None and key is not None:  # now: the rules across files add their problems later
            store.put(key, done if isinstance(done, Verdict) else Verdict.of(done))
        results.append(done.result(file, display) if isinstance(done, Verdict) else done)
    return results


# A file's name in problems, its cache key (None: no cache, or the file cannot be read and the loader says why), and
# None when the cache's verdict holds, else the verdict now (a result here, a Verdict from a worker process).
Judged = tuple[str, str | None, LoadResult | Verdict | None]


@dataclass
class _Batch:
    """What judging the files takes, here or in a worker process (which inherits it when forked)."""

    files: list[Path]
    settings: Settings
    unconfigured: frozenset[str]
    store: CheckCache | None
    roots: list[tuple[Path, str]]  # the folders an image may have to stay inside, and their real paths
    real: _RealPaths
    shown: _Display

    def judge(self, index: int) -> tuple[str, str | None, LoadResult | None]:
        file = self.files[index]
        root, display = _root_for(self.real(file), self.roots, file), self.shown(file)
        key = content = None
        if self.store is not None and limits.file_problem(file) is None:  # a pipe or a device is never opened here
            with contextlib.suppress(OSError):
                content = limits.read_limited(file)
                key = file_key(content, file, display, root)
        if key is not None and self.store is not None and self.store.holds(key):
            return display, key, None
        return display, key, check_file(file, root, display, self.settings, content, self.unconfigured)


def _judge_all(batch: _Batch, workers: int | None) -> Iterator[Judged]:
    """Each file judged here, or on every core when there are many (naming, reading, hashing, parsing and caption
    counting are CPU-bound). Worker processes are forked with the batch, the cache included, in memory: each is sent
    a span of file numbers, looks its files up itself, and sends back a key for a hit and a verdict for a file
    checked now, which cost less to pass between processes than results. Yielded in file order as they come, so the
    caller's work on them overlaps the workers'."""
    count = len(batch.files)
    workers = min(os.cpu_count() or 1, MAX_WORKERS) if workers is None else workers
    if count < POOL_MIN_FILES or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield from (batch.judge(index) for index in range(count))
        return
    size = max(POOL_MIN_CHUNK, count // (workers * 16))  # small enough that no core waits long at the end
    spans = [(start, min(start + size, count)) for start in range(0, count, size)]
    # fork: the children start with everything imported and the adapters registered; the initializer's arguments
    # are inherited, not pickled.
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_adopt, initargs=(batch,)) as pool:
        for part in pool.map(_judge_span, spans):
            yield from part


_adopted: _Batch | None = None  # in a worker process: the batch it judges spans of


def _adopt(batch: _Batch) -> None:
    global _adopted
    _adopted = batch


def _judge_span(span: tuple[int, int]) -> list[Judged]:
    assert _adopted is not None
    judged: list[Judged] = []
    for index in range(*span):
        display, key, result = _adopted.judge(index)
        judged.append((display, key, None if result is None else Verdict.of(result)))
    return judged


def _root_for(resolved: str, candidates: list[tuple[Path, str]], file: Path) -> Path:
    """The folder an ``image:`` must stay inside: the posts dir, or the folder being checked."""
    for base, real in candidates:
        if resolved == real or resolved.startswith(real.rstrip(os.sep) + os.sep):
            return base
    return file.parent


class _RealPaths:
    """``os.path.realpath`` of many files in few folders: each folder resolved once (a file that is itself a
    symbolic link is resolved whole), where ``realpath`` would look at every component of every file."""

    def __init__(self) -> None:
        self.folders: dict[str, str] = {}
        self.files: dict[str, str] = {}

    def __call__(self, file: Path) -> str:
        text = str(file)
        if text not in self.files:
            self.files[text] = self._resolve(text)
        return self.files[text]

    def _resolve(self, text: str) -> str:
        if os.path.islink(text):
            return os.path.realpath(text)
        folder, name = os.path.split(text)
        if folder not in self.folders:
            self.folders[folder] = os.path.realpath(folder or ".")
        return os.path.join(self.folders[folder], name)


class _Display:
    """How a file is named in problems: relative to the working directory (``os.path.relpath``), computed cheaply
    for the common cases (a plain relative path; an absolute path inside the working directory)."""

    def __init__(self) -> None:
        self.cwd = os.getcwd()
        self.folders: dict[str, str] = {}

    def __call__(self, file: Path) -> str:
        return limits.escaped(self._relative(file))  # a newline or escape code in a name must not forge output

    def _relative(self, file: Path) -> str:
        text = str(file)
        plain = not ({".", ".."} & set(text.split(os.sep)))
        if plain and not os.path.isabs(text):
            return text
        if plain and text.startswith(self.cwd + os.sep):
            return text[len(self.cwd) + 1 :]
        folder, name = os.path.split(text)
        if folder not in self.folders:
            try:
                self.folders[folder] = os.path.relpath(folder or ".")
            except ValueError:  # another drive on Windows
                self.folders[folder] = folder
        relative = self.folders[folder]
        return name if relative == "." else os.path.join(relative, name)


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
        supersession = result.supersession
        if supersession is not None and supersession[1] != supersession[0] and supersession[1] not in by_id:
            result.problems.append(
                warning(
                    result.display,
                    result.line_of("supersedes"),
                    _("supersedes {id!r}, which is not in the posts folder").format(id=supersession[1]),
                )
            )


def unconfigured_platforms(settings: Settings) -> frozenset[str]:
    """The platforms an adapter exists for whose settings are missing here (worked out once per check)."""
    platforms = {name: settings.platform(name) for name in adapter_classes()}
    return frozenset(name for name, platform in platforms.items() if platform is not None and not platform.configured)


def _settings_rules(result: LoadResult, unconfigured: frozenset[str]) -> list[Problem]:
    assert result.post is not None
    listed = tuple(name for name in result.post.platforms if name in unconfigured)
    if not listed:
        return []
    return [warning(result.display, result.line_of("platforms"), _not_configured(listed, current_language()))]


@lru_cache(maxsize=256)  # the same few platform lists, in every post file; `language` keys the cache (`_` reads it)
def _not_configured(platforms: tuple[str, ...], language: str) -> str:
    return (
        _(NOT_CONFIGURED)
        + " "
        + _("{platforms} (publishing there fails until set; `publisher doctor` lists the settings)").format(
            platforms=", ".join(platforms)
        )
    )


def _caption_rules(result: LoadResult) -> list[Problem]:
    post = result.post
    assert post is not None
    problems = []
    classes = adapter_classes()
    for name in post.platforms:
        adapter = classes[name]
        caption = measure_caption(post, adapter)  # whether words must be cut, not the cut itself
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
