"""QR codes for paper: a link drawn with ``segno`` at a printed size, in whole pixels per module.

segno is maintained, pure Python (no C build on the office's machines) and encodes to the smallest version at the
chosen error correction. Level M (15 % of the symbol recoverable) survives a crease or a pin through a notice
board without making the code denser than a phone at arm's length reads easily.
"""

from __future__ import annotations

import math

import segno
from PIL import Image

QUIET_ZONE = 4  # modules of white around the symbol, as ISO/IEC 18004 requires
DARK = (0, 0, 0)
LIGHT = (255, 255, 255)


def qr_image(url: str, min_side_px: int) -> Image.Image:
    """The symbol for ``url`` with its quiet zone, RGB; the symbol alone (without quiet zone) is at least
    ``min_side_px`` wide."""
    code = segno.make(url, error="m", boost_error=False)
    matrix = [list(row) for row in code.matrix]
    modules = len(matrix)
    scale = max(1, math.ceil(min_side_px / modules))
    side = (modules + 2 * QUIET_ZONE) * scale
    small = Image.new("1", (modules + 2 * QUIET_ZONE,) * 2, 1)
    pixels = small.load()
    assert pixels is not None
    for y, row in enumerate(matrix):
        for x, value in enumerate(row):
            if value:
                pixels[x + QUIET_ZONE, y + QUIET_ZONE] = 0
    return small.resize((side, side), Image.Resampling.NEAREST).convert("RGB")


def symbol_side(image: Image.Image, url: str) -> int:
    """Width in pixels of the symbol inside ``qr_image(url, ...)``: the image minus its quiet zone."""
    modules = len(segno.make(url, error="m", boost_error=False).matrix)
    scale = image.width // (modules + 2 * QUIET_ZONE)
    return modules * scale


def mm_to_px(mm: float, dpi: int) -> int:
    return round(mm / 25.4 * dpi)
