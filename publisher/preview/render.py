"""The cards of a preview: which ones a site needs, rendering the missing ones, writing only what changed.

Every card file in the site is named by what it shows (``cards/<post>/<platform>-<occurrence>[-en].<ext>``) and
recorded in ``DIR/.preview-manifest.json`` with a key: a digest of the post's content hash, the platform's card
spec, the publication and the card renderer's own files. A second run over unchanged posts finds every key
unchanged and renders nothing, decodes nothing and rewrites nothing, which is what makes it near-instant. The
shared render cache (``publisher.cards.cache``, in ``<state dir>/cards``) and the poster PDFs kept beside it
(``<state dir>/posters``) still serve a fresh output dir. Missing cards are drawn in forked worker processes.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import multiprocessing
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

from publisher.adapters import adapter_classes
from publisher.post import Post
from publisher.targets import Publication

MANIFEST_NAME = ".preview-manifest.json"
MANIFEST_VERSION = 1
# Below this many cards to render, worker processes cost more to start than they save.
POOL_THRESHOLD = 12


@dataclass(frozen=True, eq=False)  # a Post holds dicts: jobs are told apart by their path
class CardJob:
    """One card the site shows: a publication of a post on one platform, in Indonesian or English."""

    post: Post
    platform: str
    publication: Publication
    english: bool = False
    poster: bool = False  # the post's A4 poster (PDF) rather than a platform's card

    @property
    def path(self) -> str:
        """The card's path inside the site, with forward slashes (it is also the ``src`` of its ``<img>``)."""
        if self.poster:
            return f"posters/{self.post.id}{'-en' if self.english else ''}.pdf"
        spec = adapter_classes()[self.platform].card
        suffix = "-en" if self.english else ""
        return f"cards/{self.post.id}/{self.platform}-{self.publication.occurrence}{suffix}.{spec.extension}"

    def key(self, renderer: str, content_hash: str) -> str:
        if self.poster:
            parts: list[Any] = [MANIFEST_VERSION, renderer, content_hash, "poster", self.english]
            return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:24]
        spec = adapter_classes()[self.platform].card
        parts = [
            MANIFEST_VERSION,
            renderer,
            content_hash,
            self.platform,
            [spec.width, spec.height, spec.format, spec.max_bytes],
            self.publication.occurrence,
            self.publication.label,
            self.publication.label_en,
            self.english,
        ]
        return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:24]


@dataclass(frozen=True)
class CardFile:
    """A card as the site links it: where it is, its real pixel size and the alt text it is sent with."""

    path: str
    width: int
    height: int
    format: str
    alt: str
    key: str


def renderer_fingerprint() -> str:
    """Changes whenever the card renderer's code or assets change, so a new renderer re-renders every card."""
    import publisher

    package = Path(publisher.__file__).parent
    digest = hashlib.sha256()
    try:  # the renderer's own version and its font package (fonts are not files of this package)
        from importlib.metadata import version

        from publisher.cards import RENDERER_VERSION
        from publisher.cards.fonts import TEXT_PACKAGE

        digest.update(f"{RENDERER_VERSION};{TEXT_PACKAGE}={version(TEXT_PACKAGE)}\n".encode())
    except Exception:  # an older or placeholder renderer: its files below still identify it
        pass
    # The code by content (a checkout or a touch does not invalidate), the large font assets by size and mtime.
    for folder, pattern in ((package / "cards", "*.py"), (package / "adapters", "*.py")):
        for file in sorted(folder.rglob(pattern)) if folder.is_dir() else []:
            digest.update(f"{file.relative_to(package)}\0".encode() + file.read_bytes())
    for file in sorted((package / "assets").glob("*")) if (package / "assets").is_dir() else []:
        stat = file.stat()
        digest.update(f"{file.name}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


@cache
def _renderer(cache_dir: str | None) -> Callable[..., Any]:
    """The shared cached renderer when the cards package has one (publisher.cards.cache), else the plain one."""
    try:
        from publisher.cards.cache import cached_render_card  # type: ignore[import-not-found]
    except ImportError:
        from publisher.cards import render_card

        return render_card
    if cache_dir is None or "cache_dir" not in inspect.signature(cached_render_card).parameters:
        return cached_render_card

    def with_cache_dir(post: Post, adapter: Any, **kwargs: Any) -> Any:
        return cached_render_card(post, adapter, cache_dir=Path(cache_dir), **kwargs)

    return with_cache_dir


def poster_renderer() -> Callable[..., bytes] | None:
    """``publisher.cards.poster.render_poster`` when the package has it (the site links each post's PDF)."""
    try:
        from publisher.cards.poster import render_poster  # type: ignore[import-not-found]
    except ImportError:
        return None
    return render_poster


def _render_one(job: CardJob, cache_dir: str | None, key: str = "") -> tuple[bytes, int, int, str, str]:
    if job.poster:
        return _poster(job, cache_dir, key), 0, 0, "PDF", ""
    adapter = adapter_classes()[job.platform]
    card = _renderer(cache_dir)(job.post, adapter, occurrence=job.publication, english=job.english)
    return card.data, card.width, card.height, card.format, card.alt


def _poster(job: CardJob, cache_dir: str | None, key: str) -> bytes:
    """The poster PDF, kept beside the card cache (``<state>/posters``): the cards cache holds cards only, and a
    poster is the dearest thing a preview draws."""
    cached = Path(cache_dir).parent / "posters" / f"{key}.pdf" if cache_dir is not None and key else None
    if cached is not None and cached.is_file():
        return cached.read_bytes()
    render_poster = poster_renderer()
    assert render_poster is not None
    data = render_poster(job.post, english=job.english, fmt="PDF")
    if cached is not None:
        write_if_changed(cached, data)
    return data


def _render_many(
    jobs: Sequence[CardJob], cache_dir: str | None, keys: Sequence[str]
) -> Iterable[tuple[CardJob, tuple[bytes, int, int, str, str]]]:
    if len(jobs) < POOL_THRESHOLD or (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for job, key in zip(jobs, keys, strict=True):
            yield job, _render_one(job, cache_dir, key)
        return
    # fork: the workers inherit the loaded fonts and adapters instead of importing them again.
    workers = min(os.cpu_count() or 2, 4)
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        chunk = max(1, len(jobs) // (workers * 8))
        results = pool.map(_render_one, jobs, [cache_dir] * len(jobs), keys, chunksize=chunk)
        yield from zip(jobs, results, strict=True)


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` atomically unless the file already holds exactly it; returns whether it wrote."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return True


class CardRenderer:
    """Renders the cards a site needs into ``out_dir``, reusing every unchanged card of the previous run."""

    def __init__(self, out_dir: Path, *, cache_dir: Path | None = None) -> None:
        self.out_dir = out_dir
        self.cache_dir = str(cache_dir) if cache_dir is not None else None
        self.fingerprint = renderer_fingerprint()
        self.previous, self.previous_pages = self._read_manifest()
        self.current: dict[str, CardFile] = {}
        self._hashes: dict[int, str] = {}
        self.rendered = 0
        self.reused = 0

    def _read_manifest(self) -> tuple[dict[str, CardFile], dict[str, str]]:
        try:
            raw = json.loads((self.out_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
            if raw.get("version") != MANIFEST_VERSION:
                return {}, {}
            cards = {path: CardFile(**entry) for path, entry in raw.get("cards", {}).items()}
            return cards, {str(path): str(key) for path, key in raw.get("pages", {}).items()}
        except (OSError, ValueError, TypeError, AttributeError):
            return {}, {}

    def _key(self, job: CardJob) -> str:
        # content_hash() reads the post's image file: once per post, not once per card.
        digest = self._hashes.get(id(job.post))
        if digest is None:
            digest = self._hashes[id(job.post)] = job.post.content_hash()
        return job.key(self.fingerprint, digest)

    def render(self, jobs: Sequence[CardJob], advance: Callable[[int], None] = lambda n: None) -> dict[str, CardFile]:
        """Every job's card file, keyed by its site path; ``advance`` is called once per card done."""
        missing: list[CardJob] = []
        for job in {job.path: job for job in jobs}.values():
            key = self._key(job)
            known = self.previous.get(job.path)
            if known is not None and known.key == key and (self.out_dir / job.path).is_file():
                self.current[job.path] = known
                self.reused += 1
                advance(1)
            else:
                missing.append(job)
        keys = [self._key(job) for job in missing]
        for job, (data, width, height, fmt, alt) in _render_many(missing, self.cache_dir, keys):
            write_if_changed(self.out_dir / job.path, data)
            self.current[job.path] = CardFile(job.path, width, height, fmt, alt, self._key(job))
            self.rendered += 1
            advance(1)
        return self.current

    def finish(self, pages: dict[str, str]) -> None:
        """Record this run's files (``pages``: site path → content key); delete the files the previous run wrote
        that no post uses any more.

        Only files this previewer listed in its own manifest are ever deleted: ``--out`` may be a folder that
        holds other things.
        """
        pages = dict(sorted(pages.items()))
        for stale in (set(self.previous) - set(self.current)) | (set(self.previous_pages) - set(pages)):
            (self.out_dir / stale).unlink(missing_ok=True)
        manifest = {
            "version": MANIFEST_VERSION,
            "cards": {path: asdict(card) for path, card in sorted(self.current.items())},
            "pages": pages,
        }
        write_if_changed(
            self.out_dir / MANIFEST_NAME, json.dumps(manifest, indent=1, ensure_ascii=False).encode("utf-8")
        )
