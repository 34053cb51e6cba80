"""The check's memory: each file's own verdict, kept in the state dir so an unchanged file is not parsed again.

A verdict (the ``LoadResult`` of one file, with its per-file problems: the loader's, the settings' and the
captions') is stale when anything it was computed from changed:

* the file's bytes, its path, the name it is shown under and the folder its image must stay inside: the entry's
  key (a SHA-256 of the bytes plus those three);
* the bytes of the image it references (or the image appearing where it was missing): checked on every hit;
* the settings the rules read (the time zone, which platforms are configured), the platforms installed, and the
  program itself (its version, :data:`CACHE_VERSION`, and a digest of every source file of the package): the
  cache's fingerprint; a different one empties it.

Rules across files (duplicate ids, ``supersedes``) are never cached: :mod:`publisher.posts.check` runs them on
every check. The file is a pickle in the state dir, written whole and atomically; a cache that cannot be read is
treated as empty, and one that cannot be written is skipped (a read-only state dir only costs time).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import publisher
from publisher.adapters.registry import adapter_classes
from publisher.infra.settings import Settings
from publisher.posts.model import Post
from publisher.posts.problems import LoadResult, Problem

CACHE_VERSION = 1  # bump when a verdict's meaning changes in a way the source digest would not show
CACHE_FILE = "check-cache.pickle"
PACKAGE_DIR = Path(publisher.__file__).parent

ImageDependency = tuple[str, str | None] | None  # the image's resolved path and the SHA-256 of its bytes (None: absent)


@cache
def _source_digest() -> str:
    """Every source file of the package: any change to the code is a possible change of a verdict."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        digest.update(str(path.relative_to(PACKAGE_DIR)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def fingerprint(settings: Settings) -> str:
    configured = []
    for name, adapter in sorted(adapter_classes().items()):
        platform = settings.platform(name)
        state = "none" if platform is None else ("configured" if platform.configured else "not-configured")
        configured.append(f"{name}={adapter.__module__}.{adapter.__qualname__}:{state}")
    parts = [publisher.__version__, str(CACHE_VERSION), settings.tz.key, *configured, _source_digest()]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def file_key(data: bytes, path: Path, display: str, root: Path) -> str:
    return hashlib.sha256(data).hexdigest() + f"\0{path}\0{display}\0{root}"


def image_dependency(result: LoadResult) -> ImageDependency:
    if result.post is None or result.post.image is None:
        return None
    return str(result.post.image), _digest_of(result.post.image)


def _digest_of(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


CROSS_FILE_KEYS = ("id", "supersedes")  # the lines the rules across files point at


@dataclass(frozen=True)
class Verdict:
    """What the cache keeps of one file's ``LoadResult``: enough to report it and to run the rules across files,
    and its ``Post`` pickled apart, unpickled only when read (``publisher check`` reads none; sync reads them all)."""

    image: ImageDependency
    post_id: str | None
    problems: tuple[Problem, ...]
    lines: tuple[tuple[str, int], ...]
    supersession: tuple[str, str] | None
    post: bytes  # b"": no post

    @classmethod
    def of(cls, result: LoadResult) -> Verdict:
        return cls(
            image=image_dependency(result),
            post_id=result.post_id,
            problems=tuple(result.problems),
            lines=tuple((key, result.lines[key]) for key in CROSS_FILE_KEYS if key in result.lines),
            supersession=result.supersession,
            post=pickle.dumps(result.post, protocol=5) if result.post is not None else b"",
        )

    def result(self, path: Path, display: str) -> LoadResult:
        return CachedResult(self, path, display)


class CachedResult(LoadResult):
    """A ``LoadResult`` rebuilt from a :class:`Verdict`; its post is unpickled on first use."""

    def __init__(self, verdict: Verdict, path: Path, display: str) -> None:
        self._verdict = verdict
        self._post: Post | None = None
        super().__init__(
            path=path,
            display=display,
            post_id=verdict.post_id,
            problems=list(verdict.problems),  # the caller adds the cross-file problems to this list, not the cache's
            lines=dict(verdict.lines),
        )

    @property  # type: ignore[override]
    def post(self) -> Post | None:
        if self._post is None and self._verdict.post:
            self._post = pickle.loads(self._verdict.post)
        return self._post

    @post.setter
    def post(self, value: Post | None) -> None:
        self._post = value

    @property
    def supersession(self) -> tuple[str, str] | None:
        return self._verdict.supersession

    @property
    def ok(self) -> bool:
        return bool(self._verdict.post) and not any(p.is_error for p in self.problems)


@dataclass
class CheckCache:
    path: Path
    fingerprint: str
    entries: dict[str, Verdict] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    changed: bool = False

    @classmethod
    def open(cls, settings: Settings) -> CheckCache:
        store = cls(settings.state_dir / CACHE_FILE, fingerprint(settings))
        with contextlib.suppress(Exception):  # missing, truncated, from another version: start empty
            with store.path.open("rb") as stream:
                saved = pickle.load(stream)
            if saved["fingerprint"] == store.fingerprint:
                store.entries = saved["entries"]
        return store

    def holds(self, key: str) -> bool:
        """Whether the verdict kept under ``key`` still holds (its image, if any, unchanged)."""
        verdict = self.entries.get(key)
        if verdict is None:
            return False
        return verdict.image is None or _digest_of(Path(verdict.image[0])) == verdict.image[1]

    def hit(self, key: str, path: Path, display: str) -> LoadResult:
        """The kept verdict, as a result, after :meth:`holds` said yes (here or in a worker process)."""
        self.used.add(key)
        return self.entries[key].result(path, display)

    def put(self, key: str, verdict: Verdict) -> None:
        self.entries[key] = verdict
        self.used.add(key)
        self.changed = True

    def save(self, *, whole_folder: bool) -> None:
        """Write it back when something changed; after a check of the whole posts folder, only what it used."""
        if whole_folder and len(self.used) != len(self.entries):
            self.entries = {key: self.entries[key] for key in self.used}
            self.changed = True
        if not self.changed:
            return
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with temporary.open("wb") as stream:
                pickle.dump({"fingerprint": self.fingerprint, "entries": self.entries}, stream, protocol=5)
            os.replace(temporary, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                temporary.unlink()
