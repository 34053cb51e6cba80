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
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import publisher
from publisher.adapters.registry import adapter_classes
from publisher.infra.settings import Settings
from publisher.posts.problems import LoadResult

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


def _copy(result: LoadResult) -> LoadResult:
    return replace(result, problems=list(result.problems), lines=dict(result.lines))


@dataclass
class CheckCache:
    path: Path
    fingerprint: str
    entries: dict[str, tuple[ImageDependency, LoadResult]] = field(default_factory=dict)
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

    def get(self, key: str) -> LoadResult | None:
        entry = self.entries.get(key)
        if entry is None:
            return None
        image, result = entry
        if image is not None and _digest_of(Path(image[0])) != image[1]:
            return None
        self.used.add(key)
        return _copy(result)  # the caller adds the cross-file problems to its copy, never to the cached verdict

    def put(self, key: str, result: LoadResult) -> None:
        self.entries[key] = (image_dependency(result), _copy(result))
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
