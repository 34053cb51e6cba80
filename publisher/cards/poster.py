"""The printable poster: the same card design at A4 portrait, 300 dpi, with the caption's text for notice boards.

A4 is 210 × 297 mm: 2480 × 3508 pixels at 300 dpi, which Pillow writes as a PDF page of 595.2 × 841.9 pt.
"""

from __future__ import annotations

import io

from publisher.cards.content import build_content
from publisher.cards.encode import encode
from publisher.cards.templates import Composition, compose
from publisher.posts.model import Post

DPI = 300
A4_MM = (210, 297)
A4_PIXELS = tuple(round(mm / 25.4 * DPI) for mm in A4_MM)  # (2480, 3508)
FORMATS = {"pdf": "PDF", "png": "PNG"}


def compose_poster(post: Post, *, english: bool = False) -> Composition:
    content = build_content(post, english=english)
    width, height = A4_PIXELS
    return compose(content, width, height, with_body=True)


def render_poster(post: Post, *, english: bool = False, fmt: str = "PDF") -> bytes:
    """The poster as ``PDF`` (one A4 page) or ``PNG`` (300 dpi recorded in the file)."""
    image = compose_poster(post, english=english).image
    fmt = fmt.upper()
    if fmt == "PDF":
        buffer = io.BytesIO()
        image.save(buffer, format="PDF", resolution=DPI, title=post.title, author="Kantor Imigrasi Bengkulu Selatan")
        return buffer.getvalue()
    if fmt == "PNG":
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", dpi=(DPI, DPI), compress_level=6)
        return buffer.getvalue()
    return encode(image, fmt)


def format_for_suffix(suffix: str) -> str | None:
    """``.pdf`` → ``PDF``, ``.png`` → ``PNG``, anything else → ``None``."""
    return FORMATS.get(suffix.lower().lstrip("."))
