"""Image cards. PLACEHOLDER until the cards issue lands: a plain image of the right size and format.

Interface (kept by the real renderer):
    render_card(post, adapter_cls, *, occurrence=None, english=False) -> RenderedCard
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image

from publisher.adapters.base import Adapter
from publisher.post import Post


@dataclass(frozen=True)
class RenderedCard:
    data: bytes
    format: str  # "JPEG" | "PNG"
    width: int
    height: int
    alt: str

    @property
    def extension(self) -> str:
        return "jpg" if self.format == "JPEG" else self.format.lower()

    @property
    def mime_type(self) -> str:
        return "image/jpeg" if self.format == "JPEG" else f"image/{self.format.lower()}"


def render_card(
    post: Post, adapter: type[Adapter], *, occurrence: object = None, english: bool = False
) -> RenderedCard:
    spec = adapter.card
    image = Image.new("RGB", spec.size, (12, 45, 87))
    buffer = io.BytesIO()
    image.save(buffer, format=spec.format, quality=85) if spec.format == "JPEG" else image.save(
        buffer, format=spec.format
    )
    title = post.en.title if english and post.en else post.title
    return RenderedCard(buffer.getvalue(), spec.format, spec.width, spec.height, post.alt or title)
