"""The cards of a preview: which ones a site needs, rendering the missing ones, writing only what changed.

Every card file in the site is named by what it shows (``cards/<post>/<platform>-<occurrence>[-en].<ext>``) and
recorded in ``DIR/.preview-manifest.json`` with a key: a digest of the post's content hash, the platform's card
spec, the publication and the card renderer's own files. A second run over unchanged posts finds every key
unchanged and renders nothing, decodes nothing and rewrites nothing, which is what makes it near-instant. The
shared render cache (``publisher.cards.cache``, in ``<state dir>/cards``) and the poster PDFs kept beside it
(``<state dir>/posters``) still serve a fresh output dir. Missing cards are drawn in forked worker processes, which
write their files into the site themselves; on a first run over many posts they are started before the posts are
checked, and warm up (fonts, each size's header) meanwhile.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import multiprocessing
import os
import platform
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from functools import cache, partial
from importlib.metadata import version
from pathlib import Path, PurePosixPath
from typing import Any

import publisher
from publisher.adapters.registry import adapter_classes
from publisher.brand.identity import Brand
from publisher.cards import templates
from publisher.cards.cache import cached_render_card
from publisher.cards.fonts import TEXT_PACKAGE, emoji_coverage, emoji_font, font_versions, text_coverage
from publisher.cards.render import RENDERER_VERSION, RenderedCard
from publisher.infra.files import write_atomic
from publisher.offline.poster import PAPERS, PosterSize, render_poster
from publisher.posts.model import Post
from publisher.publishing.targets import Publication

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
    package = Path(publisher.__file__).parent
    digest = hashlib.sha256()
    # The renderer's own version and its font package (fonts are not files of this package).
    digest.update(f"{RENDERER_VERSION};{TEXT_PACKAGE}={version(TEXT_PACKAGE)}\n".encode())
    # The code by content (a checkout or a touch does not invalidate), the large font assets by size and mtime.
    for folder, pattern in ((package / "cards", "*.py"), (package / "adapters", "*.py"), (package / "offline", "*.py")):
        for file in sorted(folder.rglob(pattern)) if folder.is_dir() else []:
            digest.update(f"{file.relative_to(package)}\0".encode() + file.read_bytes())
    for file in sorted((package / "assets").glob("*")) if (package / "assets").is_dir() else []:
        stat = file.stat()
        digest.update(f"{file.name}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


@cache
def _renderer(cache_dir: str | None) -> Callable[..., RenderedCard]:
    """The shared render cache (publisher.cards.cache), in ``cache_dir`` when one is given."""
    if cache_dir is None:
        return cached_render_card
    return partial(cached_render_card, cache_dir=Path(cache_dir))


def _render_one(job: CardJob, cache_dir: str | None, key: str = "", brand: Brand | None = None
                ) -> tuple[bytes, int, int, str, str]:  # fmt: skip
    if job.poster:
        return _poster(job, cache_dir, key, brand), 0, 0, "PDF", ""
    adapter = adapter_classes()[job.platform]
    card = _renderer(cache_dir)(job.post, adapter, occurrence=job.publication, english=job.english, brand=brand)
    return card.data, card.width, card.height, card.format, card.alt


def _poster(job: CardJob, cache_dir: str | None, key: str, brand: Brand | None) -> bytes:
    """The poster PDF, kept beside the card cache (``<state>/posters``): the cards cache holds cards only, and a
    poster is the dearest thing a preview draws."""
    cached = Path(cache_dir).parent / "posters" / f"{key}.pdf" if cache_dir is not None and key else None
    if cached is not None and cached.is_file():
        return cached.read_bytes()
    data = render_poster(job.post, brand or Brand(), english=job.english, fmt="PDF")
    if cached is not None:
        write_if_changed(cached, data)
    return data


def _render_into(job: CardJob, cache_dir: str | None, key: str, out_dir: str, brand: Brand | None = None
                 ) -> tuple[int, int, str, str]:  # fmt: skip
    """Renders ``job`` and writes it into the site at ``out_dir``; returns its width, height, format and alt.

    In a worker the file is written there, so only these few fields (not the image bytes) come back to the
    parent process, which on a 2-core machine shares the cores with the workers."""
    data, width, height, fmt, alt = _render_one(job, cache_dir, key, brand)
    write_if_changed(Path(out_dir) / job.path, data)
    return width, height, fmt, alt


def _workers() -> int:
    return min(os.cpu_count() or 2, 4)


def _can_fork() -> bool:
    return (os.cpu_count() or 1) >= 2 and "fork" in multiprocessing.get_all_start_methods()


def _start_pool(sizes: Sequence[tuple[int, int]]) -> ProcessPoolExecutor:
    """Forked workers that first load what every card needs (see :func:`_warm_up`)."""
    # fork: the workers inherit the loaded adapters and modules instead of importing them again.
    pool = ProcessPoolExecutor(
        _workers(), mp_context=multiprocessing.get_context("fork"), initializer=_warm_up, initargs=(tuple(sizes),)
    )
    pool.submit(int)  # a fork pool starts its workers at the first task: start them now
    return pool


def _warm_up(sizes: tuple[tuple[int, int], ...]) -> None:
    """Runs once in each worker as it starts: the font faces and coverage tables, the font digest of the cache key
    and each card size's header chrome (emblem, rings, office name). Done while the parent still checks the posts,
    it is off the critical path; a worker that cannot warm up still renders (each piece loads on first use)."""
    _keep_freed_memory()
    try:
        text_coverage(), emoji_coverage(), emoji_font(), font_versions()
        for width, height in sizes:
            templates.warm_up(width, height)
    except Exception:  # warming up is an optimisation: each piece still loads on first use
        pass


# glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def _keep_freed_memory() -> None:
    """Lets this worker reuse the memory of one card for the next instead of returning it to the kernel.

    Each card allocates a few images of 3–26 MB (an A4 poster is 26 MB); with glibc's defaults most are mapped
    fresh and given back when freed, so every card pays again for page faults on zeroed pages (measured: 335,000
    faults and ~20% of a worker's CPU time over 70 cards and 40 posters, against 7,000 with this). A worker's peak
    memory is the same either way; it only keeps it until the pool ends. glibc only; elsewhere nothing changes.
    """
    if platform.libc_ver()[0] != "glibc":
        return
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt(_M_MMAP_THRESHOLD, 64 << 20)
        libc.mallopt(_M_TRIM_THRESHOLD, 256 << 20)
    except (OSError, AttributeError):
        pass


def _render_many(
    jobs: Sequence[CardJob],
    cache_dir: str | None,
    keys: Sequence[str],
    out_dir: str,
    pool: ProcessPoolExecutor | None = None,
    brand: Brand | None = None,
) -> Iterable[tuple[CardJob, tuple[int, int, str, str]]]:
    if pool is None and (len(jobs) < POOL_THRESHOLD or not _can_fork()):
        for job, key in zip(jobs, keys, strict=True):
            yield job, _render_into(job, cache_dir, key, out_dir, brand)
        return
    # The dearest jobs (A4 posters) first, so no worker is left with one at the end while the others idle.
    order = sorted(range(len(jobs)), key=lambda index: not jobs[index].poster)
    jobs, keys = [jobs[index] for index in order], [keys[index] for index in order]
    own = pool is None
    if pool is None:
        pool = _start_pool(_sizes(jobs))
    try:
        workers = _workers()
        # Small chunks keep the workers evenly loaded to the end; a job pickles to a few kB, so this costs little.
        chunk = max(1, min(16, len(jobs) // (workers * 16)))
        results = pool.map(_render_into, jobs, [cache_dir] * len(jobs), keys, [out_dir] * len(jobs),
                           [brand] * len(jobs), chunksize=chunk)  # fmt: skip
        yield from zip(jobs, results, strict=True)
    finally:
        if own:
            pool.shutdown()


def _sizes(jobs: Iterable[CardJob]) -> list[tuple[int, int]]:
    sizes: dict[tuple[int, int], None] = {}
    classes = adapter_classes()
    for job in jobs:
        if job.poster:
            sizes[PAPERS[PosterSize.A4].pixels] = None
        else:
            sizes[classes[job.platform].card.size] = None
    return list(sizes)


class OutDirLeadsOut(OSError):
    """A folder inside --out is a symlink to somewhere outside it: writing the site there would write outside."""


def refuse_links_out(out_dir: Path) -> None:
    """Raise :class:`OutDirLeadsOut` when a folder under ``out_dir`` is a symlink leading out of it (files are
    replaced, never written through, so only folders matter)."""
    root = out_dir.resolve()
    for folder, subfolders, _files in os.walk(out_dir):
        for name in subfolders:
            path = Path(folder) / name
            if path.is_symlink() and not path.resolve().is_relative_to(root):
                raise OutDirLeadsOut(f"{path} is a link to {path.resolve()}, outside {out_dir}: remove it first")


def site_path(out_dir: Path, relative: str) -> Path | None:
    """``out_dir / relative`` when that names a file inside ``out_dir``; ``None`` for an absolute path, a ``..``
    step, or a folder that is a symlink leading out of ``out_dir``."""
    pure = PurePosixPath(relative) if isinstance(relative, str) and relative else None
    if pure is None or pure.is_absolute() or ".." in pure.parts or "\\" in relative or "\0" in relative:
        return None
    candidate = out_dir / pure
    if not candidate.parent.resolve().is_relative_to(out_dir.resolve()):
        return None
    return candidate


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` atomically unless the file already holds exactly it; returns whether it wrote."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    write_atomic(path, data, mode=0o644)
    return True


def _brand_digest(brand: Brand) -> str:
    logo = hashlib.sha256(Path(brand.logo).read_bytes()).hexdigest() if brand.logo else ""
    return hashlib.sha256((brand.model_dump_json() + logo).encode()).hexdigest()[:8]


class CardRenderer:
    """Renders the cards a site needs into ``out_dir``, reusing every unchanged card of the previous run."""

    def __init__(self, out_dir: Path, *, cache_dir: Path | None = None, brand: Brand | None = None) -> None:
        self.out_dir = out_dir
        self.cache_dir = str(cache_dir) if cache_dir is not None else None
        self.brand = brand
        # The office's branding reaches every pixel: another brand is another renderer.
        self.fingerprint = renderer_fingerprint() + (f"-{_brand_digest(brand)}" if brand is not None else "")
        self.previous, self.previous_pages = self._read_manifest()
        self.current: dict[str, CardFile] = {}
        self._hashes: dict[int, str] = {}
        self.rendered = 0
        self.reused = 0
        self._pool: ProcessPoolExecutor | None = None

    def start_workers(self, expected_cards: int, *, posters: bool) -> None:
        """Fork the render workers now, before the posts are checked, when a first run of a big site is coming (no
        manifest yet, ``expected_cards`` above the pool threshold): they warm up while the parent checks. Always
        pair with :meth:`close`."""
        if self._pool is not None or self.previous or expected_cards < POOL_THRESHOLD or not _can_fork():
            return
        sizes = list(dict.fromkeys(cls.card.size for cls in adapter_classes().values()))
        if posters:
            sizes.append(PAPERS[PosterSize.A4].pixels)
        self._pool = _start_pool(sizes)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def _read_manifest(self) -> tuple[dict[str, CardFile], dict[str, str]]:
        try:
            raw = json.loads((self.out_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
            if raw.get("version") != MANIFEST_VERSION:
                return {}, {}
            # The manifest lives in --out, where anyone may have edited it: only paths inside --out are believed.
            cards = {
                path: CardFile(**entry)
                for path, entry in raw.get("cards", {}).items()
                if site_path(self.out_dir, path) is not None and entry.get("path") == path
            }
            pages = {str(path): str(key) for path, key in raw.get("pages", {}).items()}
            return cards, {path: key for path, key in pages.items() if site_path(self.out_dir, path) is not None}
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
        pool = self._pool if missing else None
        rendered = _render_many(missing, self.cache_dir, keys, str(self.out_dir), pool, self.brand)
        for job, (width, height, fmt, alt) in rendered:
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
            path = site_path(self.out_dir, stale)
            if path is not None:
                path.unlink(missing_ok=True)
        manifest = {
            "version": MANIFEST_VERSION,
            "cards": {path: asdict(card) for path, card in sorted(self.current.items())},
            "pages": pages,
        }
        write_if_changed(
            self.out_dir / MANIFEST_NAME, json.dumps(manifest, indent=1, ensure_ascii=False).encode("utf-8")
        )
