"""The office's identity (``PUBLISHER_BRAND__*``) and the colours every template draws with, derived from it.

It lives beside :mod:`publisher.brand.palette` because the refusal of a colour that fails WCAG AA needs the exact
text/background pairs the templates draw: :func:`looks` derives every template's :class:`Look` (the social card,
the ink-saving print variant, the digest) from one :class:`Brand`, and :meth:`Brand._readable` checks each
look's pairs at settings load, naming the variable to change. Defaults are Kantor Imigrasi Bengkulu Selatan's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from publisher.brand import palette
from publisher.brand.palette import RGB, WHITE, contrast_ratio

HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")
# The part of an office's name drawn small above the rest in the card's header.
KICKER = "Kantor Imigrasi"


def parse_colour(value: object) -> RGB:
    match = HEX.match(str(value).strip())
    if not match:
        raise ValueError(f"{value!r} is not a colour: write it as #RRGGBB, e.g. #0B2545")
    digits = match.group(1)
    return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))


def hex_colour(colour: RGB) -> str:
    return "#{:02X}{:02X}{:02X}".format(*colour)


class Brand(BaseModel):
    """Who speaks: office, parent organisation, contact details, logo and colours (env ``PUBLISHER_BRAND__*``).

    Since October 2024 the Directorate General of Immigration belongs to the Kementerian Imigrasi dan
    Pemasyarakatan (it was under the Kementerian Hukum dan HAM): ``parent`` is the ministry, ``unit`` the
    directorate general. ``address``, ``phone`` and ``hours`` defaults are placeholders to be confirmed by the
    office (see the README); ``whatsapp`` defaults to ``phone``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    office: str = "Kantor Imigrasi Bengkulu Selatan"
    parent: str = "Kementerian Imigrasi dan Pemasyarakatan"
    parent_en: str = "Ministry of Immigration and Corrections"
    unit: str = "Direktorat Jenderal Imigrasi"
    logo: Path | None = None
    address: str = "Kota Manna, Kabupaten Bengkulu Selatan, Bengkulu"
    phone: str = "0739-21000"
    whatsapp: str | None = None
    hours: str = "Senin–Jumat 08.00–16.00 WIB"
    site_url: str = "https://www.imigrasi.go.id/"
    # Colours as #RRGGBB: the card's ground, its header and footer bands, the accent (rules, kicker, a badge)
    # and the secondary (the service badge, icons).
    primary: str = "#0B2545"
    primary_dark: str = "#061830"
    accent: str = "#F2B705"
    secondary: str = "#0D6E72"

    @field_validator("primary", "primary_dark", "accent", "secondary")
    @classmethod
    def _colour(cls, value: str) -> str:
        return hex_colour(parse_colour(value))

    @field_validator("logo", mode="before")
    @classmethod
    def _logo(cls, value: object) -> Path | None:
        if value is None or str(value).strip() == "":  # PUBLISHER_BRAND__LOGO= (empty): the drawn emblem
            return None
        value = Path(str(value))
        try:
            with Image.open(value) as image:
                image.verify()
        except (OSError, UnidentifiedImageError) as exc:
            raise ValueError(f"logo {str(value)!r} is not a readable image file ({exc})") from None
        return value

    @field_validator("site_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"site_url {value!r} is not an http(s) URL")
        return value

    @model_validator(mode="after")
    def _readable(self) -> Brand:
        problems = [
            f"{role} on the {template}: {text} on {ground} has contrast {ratio:.2f}:1, below WCAG AA "
            f"{palette.AA_NORMAL}:1"
            for template, role, ratio, text, ground in contrast_failures(self)
        ]
        if problems:
            raise ValueError("colours refused: " + "; ".join(problems))
        return self

    @property
    def contact_number(self) -> str:
        return self.whatsapp or self.phone

    @property
    def kicker(self) -> str:
        """The header's small line: "KANTOR IMIGRASI" when the office's name starts so, else the parent unit."""
        return (KICKER if self.office.lower().startswith(KICKER.lower()) else self.unit).upper()

    @property
    def short_name(self) -> str:
        """The header's big line: the office's name after "Kantor Imigrasi"."""
        if self.office.lower().startswith(KICKER.lower()):
            return self.office[len(KICKER) :].strip().upper() or self.office.upper()
        return self.office.upper()

    def colours(self) -> dict[str, RGB]:
        return {name: parse_colour(getattr(self, name)) for name in ("primary", "primary_dark", "accent", "secondary")}


@dataclass(frozen=True)
class Look:
    """One template's colours and the office's header words: hashable, so drawing caches can key on it."""

    office: str  # the full name, for alt text
    kicker: str
    name: str
    logo: str | None  # a file path; None draws the emblem
    ground: RGB  # behind title, subtitle and body
    band: RGB  # header and footer bands
    rings: RGB  # decoration on the header band, never under text
    rule: RGB  # the lines under the header and over the footer
    title: RGB
    subtitle: RGB
    body: RGB
    office_name: RGB
    office_kicker: RGB
    footer: RGB
    footer_accent: RGB
    bar: RGB  # the bar beside the title
    countdown: tuple[RGB, RGB]  # text, fill
    badges: tuple[tuple[RGB, RGB], tuple[RGB, RGB], tuple[RGB, RGB]]  # (text, fill) for service, policy, event
    panel: tuple[RGB, RGB]
    panel_icon: RGB
    correction: tuple[RGB, RGB]

    def pairs(self) -> dict[str, tuple[RGB, RGB]]:
        """Every (text, background) this look draws, by role."""
        service, policy, event = self.badges
        return {
            "title": (self.title, self.ground),
            "subtitle": (self.subtitle, self.ground),
            "body": (self.body, self.ground),
            "office name": (self.office_name, self.band),
            "office kicker": (self.office_kicker, self.band),
            "footer": (self.footer, self.band),
            "footer accent": (self.footer_accent, self.band),
            "countdown": self.countdown,
            "service badge": service,
            "policy badge": policy,
            "event badge": event,
            "panel": self.panel,
            "correction": self.correction,
        }


def card_look(brand: Brand) -> Look:
    """The social card (and the colour poster): the brand's ground with white text."""
    c = brand.colours()
    primary, dark, accent, secondary = c["primary"], c["primary_dark"], c["accent"], c["secondary"]
    return Look(
        office=brand.office, kicker=brand.kicker, name=brand.short_name, logo=str(brand.logo) if brand.logo else None,
        ground=primary, band=dark, rings=_mix(dark, WHITE, 0.08), rule=accent,
        title=WHITE, subtitle=_mix(WHITE, primary, 0.18), body=WHITE,
        office_name=WHITE, office_kicker=accent, footer=_mix(WHITE, dark, 0.18), footer_accent=accent, bar=accent,
        countdown=(primary, accent),
        badges=((WHITE, secondary), (primary, accent), (primary, _mix(secondary, WHITE, 0.65))),
        panel=(primary, palette.PAPER), panel_icon=secondary, correction=(WHITE, palette.RED),
    )  # fmt: skip


def print_look(brand: Brand) -> Look:
    """The ink-saving variant for office printers: white paper, the brand's dark colour for text, the accent only
    as thin rules (light accents fail as text on white)."""
    c = brand.colours()
    primary, dark, accent, secondary = c["primary"], c["primary_dark"], c["accent"], c["secondary"]
    return Look(
        office=brand.office, kicker=brand.kicker, name=brand.short_name, logo=str(brand.logo) if brand.logo else None,
        ground=WHITE, band=WHITE, rings=WHITE, rule=accent,
        title=primary, subtitle=dark, body=dark,
        office_name=primary, office_kicker=secondary, footer=dark, footer_accent=secondary, bar=accent,
        countdown=(primary, WHITE),
        badges=((secondary, WHITE), (primary, WHITE), (primary, WHITE)),
        panel=(primary, palette.PAPER), panel_icon=secondary, correction=(palette.RED, WHITE),
    )  # fmt: skip


def looks(brand: Brand) -> dict[str, Look]:
    """Every template's look; the digest is printed, so it shares the print look."""
    return {"card": card_look(brand), "print poster and digest": print_look(brand)}


_SOURCES = ("primary", "primary_dark", "accent", "secondary")
_FIXED = {WHITE: "white", palette.PAPER: "the panel's near-white", palette.RED: "the correction red"}


def contrast_failures(brand: Brand) -> list[tuple[str, str, float, str, str]]:
    """(template, role, ratio, text colour, background colour) for every pair below WCAG AA, each colour named by
    the variable it comes from (``PUBLISHER_BRAND__ACCENT #B07A00``)."""
    colours = brand.colours()
    found = []
    for template, look in looks(brand).items():
        for role, (text, ground) in look.pairs().items():
            ratio = contrast_ratio(text, ground)
            if ratio < palette.AA_NORMAL:
                found.append((template, role, ratio, _name(colours, text), _name(colours, ground)))
    return found


def _name(colours: dict[str, RGB], colour: RGB) -> str:
    """The variable a drawn colour comes from: set directly, or the brand colour it was mixed from."""
    if colour in _FIXED:
        return _FIXED[colour]
    exact = [n for n in _SOURCES if colours[n] == colour]
    nearest = exact[0] if exact else min(_SOURCES, key=lambda n: _distance(colours[n], colour))
    shade = "" if exact else "a tint of "
    return f"{shade}PUBLISHER_BRAND__{nearest.upper()} {hex_colour(colours[nearest])}"


def _distance(first: RGB, second: RGB) -> int:
    return sum(abs(a - b) for a, b in zip(first, second, strict=True))


def _mix(colour: RGB, other: RGB, share: float) -> RGB:
    """``colour`` with ``share`` of ``other`` blended in."""
    r, g, b = (round(a * (1 - share) + o * share) for a, o in zip(colour, other, strict=True))
    return (r, g, b)


DEFAULT_BRAND = Brand()
DEFAULT_LOOK = card_look(DEFAULT_BRAND)
