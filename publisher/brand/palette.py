"""The cards' colours: Imigrasi navy with gold accents and a teal secondary, and the WCAG contrast maths.

Every text colour the renderer uses is paired here with the background it sits on (``TEXT_PAIRS``), so the
contrast test checks exactly what is drawn; the renderer also reports each drawn text's pair.
"""

from __future__ import annotations

from dataclasses import dataclass

from publisher.posts.model import Kind

RGB = tuple[int, int, int]

NAVY = (11, 37, 69)  # #0B2545: the card's ground
NAVY_DEEP = (6, 24, 48)  # #061830: header and footer bands
NAVY_LINE = (28, 62, 104)  # decorative rings on the ground, never under text
GOLD = (242, 183, 5)  # #F2B705: Imigrasi's gold accent
GOLD_SOFT = (250, 214, 102)
TEAL = (13, 110, 114)  # #0D6E72
TEAL_LIGHT = (158, 230, 224)
WHITE = (255, 255, 255)
ICE = (200, 226, 240)  # subtitle on navy: softer than white, still far above AA
PAPER = (246, 248, 251)  # the highlight panel
INK = (11, 37, 69)
INK_MUTED = (58, 78, 104)
RED = (179, 38, 30)  # #B3261E: the RALAT / PEMBARUAN band

AA_NORMAL = 4.5


@dataclass(frozen=True)
class Theme:
    """One kind's colours; the parts not listed here are shared by every kind."""

    badge_fill: RGB
    badge_text: RGB
    accent: RGB  # the bar beside the title and the panel's icons


THEMES: dict[Kind, Theme] = {
    Kind.SERVICE_UPDATE: Theme(badge_fill=TEAL, badge_text=WHITE, accent=TEAL_LIGHT),
    Kind.POLICY_CHANGE: Theme(badge_fill=GOLD, badge_text=INK, accent=GOLD),
    Kind.EVENT_REMINDER: Theme(badge_fill=TEAL_LIGHT, badge_text=INK, accent=GOLD),
}

# Shared text/background pairs, by role. Kind badges add their own pair from THEMES.
TITLE = (WHITE, NAVY)
SUBTITLE = (ICE, NAVY)
OFFICE_NAME = (WHITE, NAVY_DEEP)
OFFICE_KICKER = (GOLD, NAVY_DEEP)
COUNTDOWN = (INK, GOLD)
CORRECTION = (WHITE, RED)
PANEL_TEXT = (INK, PAPER)
PANEL_LABEL = (INK_MUTED, PAPER)
FOOTER_TEXT = (ICE, NAVY_DEEP)
FOOTER_ACCENT = (GOLD, NAVY_DEEP)
BODY = (WHITE, NAVY)

SHARED_PAIRS: dict[str, tuple[RGB, RGB]] = {
    "title": TITLE,
    "subtitle": SUBTITLE,
    "office-name": OFFICE_NAME,
    "office-kicker": OFFICE_KICKER,
    "countdown": COUNTDOWN,
    "correction": CORRECTION,
    "panel": PANEL_TEXT,
    "panel-label": PANEL_LABEL,
    "footer": FOOTER_TEXT,
    "footer-accent": FOOTER_ACCENT,
    "body": BODY,
}


def text_pairs(kind: Kind) -> dict[str, tuple[RGB, RGB]]:
    theme = THEMES[kind]
    return {**SHARED_PAIRS, "badge": (theme.badge_text, theme.badge_fill)}


def relative_luminance(color: RGB) -> float:
    """WCAG 2.x relative luminance of an sRGB colour."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in color)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: RGB, second: RGB) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
