"""Issue 11, items 5 and 6: titles no realistic author writes (one huge word, 30 KB, Arabic) and 16-bit photos
still render a card, in time linear in the title."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from publisher.adapters.registry import adapter_classes
from publisher.brand.palette import NAVY
from publisher.cards import compose_card, render_card
from publisher.cards import layout as card_layout
from publisher.cards.encode import fit_photo
from tests.test_cards import variant

ADAPTERS = adapter_classes()
ARABIC_TITLE = "خدمة جوازات السفر الإلكترونية متاحة الآن"


@pytest.mark.parametrize("platform", ["x", "facebook", "instagram"])
def test_a_title_of_one_400_character_word_renders_broken_inside_the_word(platform: str) -> None:
    post = variant("paspor-baru", title="A" * 400)
    composition = compose_card(post, ADAPTERS[platform].card)
    assert composition.title is not None and composition.title.lines
    drawn = "".join(composition.title.lines)
    assert drawn == "A" * 400 or (drawn.endswith("…") and drawn[:-1] == "A" * (len(drawn) - 1))
    assert render_card(post, ADAPTERS[platform]).data


def test_a_30_kb_title_is_fitted_in_a_bounded_number_of_fits(monkeypatch) -> None:
    """Truncating used to drop one word and refit, once per word: thousands of fits for a 30 KB title."""
    calls = []
    real_fit = card_layout.fit

    def counting_fit(*args, **kwargs):
        calls.append(1)
        return real_fit(*args, **kwargs)

    monkeypatch.setattr(card_layout, "fit", counting_fit)
    post = variant("paspor-baru", title=" ".join(["Paspor"] * 4300))
    composition = compose_card(post, ADAPTERS["x"].card)
    assert composition.title is not None and composition.title.lines
    assert len(calls) < 40


def _ink(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    crop = image.crop(box).convert("RGB")
    return sum(count for count, colour in crop.getcolors(crop.width * crop.height) or [] if colour != NAVY)


def test_an_arabic_title_is_drawn_with_real_glyphs() -> None:
    composition = compose_card(variant("paspor-baru", title=ARABIC_TITLE, subtitle=None), ADAPTERS["instagram"].card)
    title = next(block for block in composition.blocks if block.role == "title")
    assert title.text.replace(" ", "") == ARABIC_TITLE.replace(" ", "")
    assert _ink(composition.image, title.box) > 5000


def test_a_16_bit_grey_png_keeps_its_grey(tmp_path: Path) -> None:
    path = tmp_path / "grey16.png"
    Image.new("I;16", (200, 250), 32768).save(path)
    fitted = fit_photo(path, (200, 250))
    assert fitted.getpixel((100, 125)) == (128, 128, 128)
