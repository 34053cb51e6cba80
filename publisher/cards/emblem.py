"""Drawn marks: the office's emblem (a gold compass rose in a ringed seal) and the small panel icons.

They are drawn at four times the size and scaled down, since Pillow's shape drawing is not anti-aliased, and
cached per size, so each is drawn once per process however many cards use it.
"""

from __future__ import annotations

import math
from functools import lru_cache

from PIL import Image, ImageDraw

from publisher.brand.palette import GOLD, GOLD_SOFT, NAVY, NAVY_DEEP, RGB, WHITE

SUPERSAMPLE = 4


def _finish(image: Image.Image, size: int) -> Image.Image:
    return image.resize((size, size), Image.Resampling.LANCZOS)


def _star(center: float, outer: float, inner_major: float, inner_minor: float, turn: float = 0.0):
    """A 16-point compass rose: long points at the compass directions, shorter ones between."""
    points = []
    for index in range(16):
        angle = math.radians(index * 22.5 + turn) - math.pi / 2
        if index % 4 == 0:
            radius = outer
        elif index % 2 == 0:
            radius = inner_major
        else:
            radius = inner_minor
        points.append((center + radius * math.cos(angle), center + radius * math.sin(angle)))
    return points


@lru_cache(maxsize=16)
def emblem(size: int) -> Image.Image:
    """The office mark, RGBA, ``size`` px square."""
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    c = big / 2
    draw.ellipse((0, 0, big - 1, big - 1), fill=GOLD)
    ring = big * 0.07
    draw.ellipse((ring, ring, big - ring, big - ring), fill=NAVY_DEEP)
    thin = big * 0.115
    draw.ellipse((thin, thin, big - thin, big - thin), outline=GOLD_SOFT, width=max(1, round(big * 0.012)))
    # Twelve small ticks around the seal, like the marks of a compass dial.
    for index in range(24):
        angle = math.radians(index * 15)
        r1, r2 = big * 0.335, big * (0.36 if index % 2 else 0.37)
        draw.line(
            (c + r1 * math.cos(angle), c + r1 * math.sin(angle), c + r2 * math.cos(angle), c + r2 * math.sin(angle)),
            fill=GOLD_SOFT,
            width=max(1, round(big * 0.01)),
        )
    draw.polygon(_star(c, big * 0.31, big * 0.12, big * 0.06), fill=GOLD)
    # The rose's shaded halves give it depth; one side of each point in white.
    for index in range(4):
        angle = math.radians(index * 90) - math.pi / 2
        tip = (c + big * 0.31 * math.cos(angle), c + big * 0.31 * math.sin(angle))
        side = angle + math.pi / 4
        shoulder = (c + big * 0.06 * math.cos(side), c + big * 0.06 * math.sin(side))
        draw.polygon([(c, c), tip, shoulder], fill=WHITE)
    dot = big * 0.045
    draw.ellipse((c - dot, c - dot, c + dot, c + dot), fill=NAVY)
    return _finish(image, size)


@lru_cache(maxsize=64)
def icon(name: str, size: int, color: RGB) -> Image.Image:
    """``calendar``, ``clock``, ``place`` or ``link``, as a solid mark in ``color`` (RGBA)."""
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    line = max(2, round(big * 0.09))
    if name == "calendar":
        draw.rounded_rectangle((big * 0.08, big * 0.16, big * 0.92, big * 0.92), radius=big * 0.12, fill=color)
        draw.rectangle((big * 0.16, big * 0.38, big * 0.84, big * 0.84), fill=(0, 0, 0, 0))
        for x in (0.3, 0.7):
            draw.rounded_rectangle((big * (x - 0.05), big * 0.04, big * (x + 0.05), big * 0.26), radius=big * 0.04,
                                   fill=color)  # fmt: skip
        for row in (0.5, 0.68):
            for col in (0.26, 0.45, 0.64):
                draw.rectangle((big * col, big * row, big * (col + 0.1), big * (row + 0.1)), fill=color)
    elif name == "clock":
        draw.ellipse((big * 0.06, big * 0.06, big * 0.94, big * 0.94), outline=color, width=line)
        c = big / 2
        draw.line((c, c, c, big * 0.24), fill=color, width=line)
        draw.line((c, c, big * 0.7, big * 0.62), fill=color, width=line)
    elif name == "place":
        c = big / 2
        r = big * 0.3
        draw.ellipse((c - r, big * 0.06, c + r, big * 0.06 + 2 * r), fill=color)
        draw.polygon([(c - r * 0.86, big * 0.06 + r * 1.5), (c + r * 0.86, big * 0.06 + r * 1.5), (c, big * 0.95)],
                     fill=color)  # fmt: skip
        hole = r * 0.42
        cy = big * 0.06 + r
        draw.ellipse((c - hole, cy - hole, c + hole, cy + hole), fill=(0, 0, 0, 0))
    else:  # link: two interlocking rounded links
        draw.rounded_rectangle((big * 0.04, big * 0.3, big * 0.62, big * 0.7), radius=big * 0.2, outline=color,
                               width=line)  # fmt: skip
        draw.rounded_rectangle((big * 0.38, big * 0.3, big * 0.96, big * 0.7), radius=big * 0.2, outline=color,
                               width=line)  # fmt: skip
    return _finish(image, size)


@lru_cache(maxsize=8)
def logo(path: str, size: int) -> Image.Image:
    """The office's own logo file (``PUBLISHER_BRAND__LOGO``) fitted into a ``size`` px square, RGBA, centred."""
    with Image.open(path) as opened:
        mark = opened.convert("RGBA")
    mark.thumbnail((size, size), Image.Resampling.LANCZOS)
    square = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    square.paste(mark, ((size - mark.width) // 2, (size - mark.height) // 2), mark)
    return square
