"""The render cache: an unchanged card is never rendered twice.

The key is a SHA-256 over everything that reaches the pixels or the alt text: the card's words as the template
draws them (so a change to an unrelated field such as ``publish_at`` of a non-event post or ``hashtags`` beyond the
first does not invalidate it), the post's own image bytes, the platform's CardSpec and alt limit, the occurrence
label, the language, :data:`RENDERER_VERSION` and the font files. Entries live under ``settings.state_dir/cards``
as ``KEY.png|jpg`` plus ``KEY.json`` (alt text and size); both are written atomically (temp file + rename), so
processes sharing the directory never read half a file.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

from publisher.adapters.base import Adapter
from publisher.brand.identity import Brand
from publisher.cards.content import build_content
from publisher.cards.fonts import font_versions
from publisher.cards.render import RENDERER_VERSION, RenderedCard, card_alt, render_card
from publisher.infra.files import write_atomic
from publisher.infra.settings import load_settings
from publisher.posts.model import Post


def default_cache_dir() -> Path:
    return Path(load_settings().state_dir) / "cards"


def cache_key(
    post: Post, adapter: type[Adapter], *, occurrence: object = None, english: bool = False, brand: Brand | None = None
) -> str:
    if post.image is not None:
        pixels: dict[str, object] = {"image_sha256": hashlib.sha256(Path(post.image).read_bytes()).hexdigest()}
    else:
        pixels = build_content(post, occurrence=occurrence, english=english, brand=brand).pixel_key()
        if post.skm is not None:
            pixels["skm"] = post.skm.model_dump(mode="json")
    payload = {
        "renderer": RENDERER_VERSION,
        "fonts": font_versions(),
        "spec": asdict(adapter.card),
        "pixels": pixels,
        "alt": card_alt(post, adapter, occurrence=occurrence, english=english, brand=brand),
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:32]


def cached_render_card(
    post: Post,
    adapter: type[Adapter],
    *,
    occurrence: object = None,
    english: bool = False,
    cache_dir: Path | None = None,
    brand: Brand | None = None,
) -> RenderedCard:
    """:func:`render_card` through the on-disk cache (default: ``settings.state_dir / "cards"``)."""
    directory = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    key = cache_key(post, adapter, occurrence=occurrence, english=english, brand=brand)
    spec = adapter.card
    image_path = directory / f"{key}.{spec.extension}"
    meta_path = directory / f"{key}.json"
    if image_path.is_file() and meta_path.is_file():
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            return RenderedCard(image_path.read_bytes(), meta["format"], meta["width"], meta["height"], meta["alt"])
        except (OSError, ValueError, KeyError):
            pass  # a damaged entry is simply rendered again and overwritten
    card = render_card(post, adapter, occurrence=occurrence, english=english, brand=brand)
    directory.mkdir(parents=True, exist_ok=True)
    write_atomic(image_path, card.data)
    meta = {"format": card.format, "width": card.width, "height": card.height, "alt": card.alt, "post_id": post.id}
    write_atomic(meta_path, json.dumps(meta, ensure_ascii=False).encode())
    return card
