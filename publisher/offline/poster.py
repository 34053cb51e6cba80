"""Posters for paper: A4 and A3 for notice boards, a 300 × 100 cm spanduk, in colour or ink-saving.

A poster is the post's card drawn at the paper's size (with the caption's text, except on the banner, which is read
from across a road) above a contact strip: the office, its parent ministry, address, phone/WhatsApp and opening
hours for someone who cannot click a link, and a QR code to the post's link (or the office's site).

The banner is drawn at 100 dpi: 11,811 × 3,937 pixels. Flex-banner printers ask for 72–150 dpi at this size, and a
spanduk is read from three metres or more, where the eye resolves about 1 mm (≈ 25 dpi); 100 dpi keeps type and
the QR's edges sharp up close while the page stays about 140 MB of RGB in memory instead of 420 MB at 300 dpi.

``printable=True`` is the office-printer variant: white paper, the brand's dark colour for text, the accent only as
thin rules; :func:`ink_coverage` measures it (mean darkness over the page, 0 = blank paper, 1 = solid black).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from enum import StrEnum

from PIL import Image, ImageDraw

from publisher.brand.identity import Brand, Look, card_look, print_look
from publisher.cards.content import build_content
from publisher.cards.fonts import BOLD, EXTRABOLD, SEMIBOLD
from publisher.cards.layout import TextBlock, draw_line, measure
from publisher.cards.templates import _DRAWING, Composition, _compose
from publisher.offline.qr import mm_to_px, qr_image
from publisher.posts.model import Post

QR_MIN_MM = 30  # the smallest QR symbol we print: a phone at arm's length reads it without zooming
CAP_HEIGHT_EM = 0.72


class PosterSize(StrEnum):
    A4 = "a4"
    A3 = "a3"
    BANNER = "banner"


@dataclass(frozen=True)
class Paper:
    width_mm: int
    height_mm: int
    dpi: int
    qr_mm: int  # the QR symbol's printed width
    with_body: bool

    @property
    def pixels(self) -> tuple[int, int]:
        return mm_to_px(self.width_mm, self.dpi), mm_to_px(self.height_mm, self.dpi)


PAPERS = {
    PosterSize.A4: Paper(210, 297, 300, 40, True),
    PosterSize.A3: Paper(297, 420, 300, 56, True),
    PosterSize.BANNER: Paper(3000, 1000, 100, 220, False),
}


@dataclass
class Poster:
    image: Image.Image
    blocks: list[TextBlock]
    url: str  # what the QR code says
    qr_box: tuple[int, int, int, int]
    paper: Paper


def poster_url(post: Post, brand: Brand) -> str:
    return post.link or brand.site_url


def compose_poster(post: Post, brand: Brand, *, size: PosterSize = PosterSize.A4, printable: bool = False,
                   english: bool = False) -> Poster:  # fmt: skip
    """The poster's pixels and every text drawn on it (for the contrast and QR tests)."""
    paper = PAPERS[size]
    width, height = paper.pixels
    look = print_look(brand) if printable else card_look(brand)
    url = poster_url(post, brand)
    code = qr_image(url, mm_to_px(paper.qr_mm, paper.dpi))
    pad = round(code.width * 0.08)
    strip = code.width + 2 * pad + round(code.width * 0.1)  # room for the caption under the code
    content = build_content(post, english=english, brand=brand, look=look)
    # _compose, not compose: compose keeps a body-less card's stem in a cache for its reminders, which for a
    # banner would hold ~100 MB for the life of the process.
    with _DRAWING:
        card: Composition = _compose(content, width, height - strip, with_body=paper.with_body)
    page = Image.new("RGB", (width, height), look.band)
    page.paste(card.image, (0, 0))
    del card.image  # the banner's card is ~100 MB: let it go before the strip is drawn
    blocks = list(card.blocks)
    qr_box = _contact_strip(page, blocks, look, brand, code, top=height - strip, pad=pad)
    return Poster(page, blocks, url, qr_box, paper)


def _contact_strip(page: Image.Image, blocks: list[TextBlock], look: Look, brand: Brand, code: Image.Image, *,
                   top: int, pad: int) -> tuple[int, int, int, int]:  # fmt: skip
    """Office, parent, address, phone and hours at the left; the QR code with its caption at the right."""
    width, height = page.size
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, top, width, height), fill=look.band)
    draw.rectangle((0, top, width, top + max(2, pad // 6)), fill=look.rule)
    x = width - pad - code.width
    y = top + pad
    page.paste(code, (x, y))
    caption = "Pindai untuk info lengkap"
    caption_size = round(code.width * 0.06)
    cx = x + (code.width - measure(caption, caption_size, SEMIBOLD)) / 2
    baseline = y + code.width + round(caption_size * 0.9)
    draw_line(page, draw, cx, baseline, caption, caption_size, SEMIBOLD, look.footer)
    blocks.append(_block("footer", caption, round(cx), baseline, caption_size, SEMIBOLD, look.footer, look.band))

    lines = [
        (brand.office, EXTRABOLD, look.office_name, "office-name"),
        (brand.parent, SEMIBOLD, look.footer, "footer"),
        (brand.unit, SEMIBOLD, look.footer, "footer"),
        (f"Alamat: {brand.address}", SEMIBOLD, look.footer, "footer"),
        (f"Telepon/WhatsApp: {brand.contact_number}", BOLD, look.footer_accent, "footer-accent"),
        (f"Jam layanan: {brand.hours}", SEMIBOLD, look.footer, "footer"),
    ]
    room_w = x - 2 * pad
    room_h = height - top - 2 * pad
    size = _fit_lines([t for t, *_ in lines], room_w, room_h)
    baseline = top + pad + round(size * 1.15)
    for text, weight, colour, role in lines:
        line_size = round(size * 1.25) if weight == EXTRABOLD else size
        draw_line(page, draw, pad, baseline, text, line_size, weight, colour)
        blocks.append(_block(role, text, pad, baseline, line_size, weight, colour, look.band))
        baseline += round(size * 1.5)
    return (x, y, x + code.width, y + code.width)


def _fit_lines(texts: list[str], width: int, height: int) -> int:
    """The largest size at which every line fits ``width`` and the lines (first one bigger) fit ``height``."""
    size = max(8, round(height / (1.5 * len(texts) + 0.5)))
    while size > 8 and (
        max(measure(t, round(size * 1.25) if i == 0 else size, EXTRABOLD if i == 0 else SEMIBOLD)
            for i, t in enumerate(texts)) > width
    ):  # fmt: skip
        size -= max(1, size // 20)
    return size


def _block(role: str, text: str, x: int, baseline: int, size: int, weight: int, fill, ground) -> TextBlock:
    right = x + round(measure(text, size, weight))
    return TextBlock(role, text, (x, baseline - round(size * CAP_HEIGHT_EM), right, baseline + round(size * 0.25)),
                     size, fill, ground)  # fmt: skip


def render_poster(post: Post, brand: Brand, *, size: PosterSize = PosterSize.A4, printable: bool = False,
                  english: bool = False, fmt: str = "PDF") -> bytes:  # fmt: skip
    """``PDF`` (one page at the paper's size) or ``PNG`` (the paper's dpi recorded in the file)."""
    poster = compose_poster(post, brand, size=size, printable=printable, english=english)
    return encode_page(poster.image, poster.paper.dpi, fmt, title=post.title, author=brand.office)


def encode_page(image: Image.Image, dpi: int, fmt: str, *, title: str, author: str) -> bytes:
    buffer = io.BytesIO()
    if fmt.upper() == "PDF":
        image.save(buffer, format="PDF", resolution=dpi, title=title, author=author)
    else:
        image.save(buffer, format="PNG", dpi=(dpi, dpi), compress_level=6)
    return buffer.getvalue()


def ink_coverage(image: Image.Image) -> float:
    """Mean darkness over the page: 0.0 blank paper, 1.0 solid black (what a mono or colour printer lays down,
    to a first approximation)."""
    grey = image.convert("L")
    histogram = grey.histogram()
    total = sum(histogram)
    return sum((255 - level) * count for level, count in enumerate(histogram)) / (255 * total)
