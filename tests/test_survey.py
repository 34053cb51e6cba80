"""SKM import (PermenPAN-RB 14/2017): the arithmetic by hand, the band edges, every malformed file with its line,
nothing written on error, the command's exit codes, the draft post passing `publisher check`, and its card."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from publisher.infra.settings import load_settings
from publisher.listening.skm import Category, SkmResult, category_of
from publisher.listening.survey import SurveyFileError, SurveyRefused, SurveyStore, import_survey, read_responses

HEADER = "No;Nama;No HP;" + ";".join(f"U{i}" for i in range(1, 10))
# Four respondents, scores U1 … U9:
HAND_SAMPLE = [
    (4, 4, 4, 4, 4, 4, 4, 4, 4),
    (3, 3, 3, 3, 3, 3, 3, 3, 3),
    (4, 3, 4, 3, 4, 3, 4, 3, 4),
    (2, 3, 4, 3, 2, 3, 4, 3, 3),
]
# By hand: totals per unsur U1..U9 = 13, 13, 15, 13, 13, 13, 15, 13, 14, so over 4 respondents
#   NRR = 3.25, 3.25, 3.75, 3.25, 3.25, 3.25, 3.75, 3.25, 3.50;   ΣNRR = 6 × 3.25 + 2 × 3.75 + 3.50 = 30.50
#   IKM = 30.50 × 1/9 × 25 = 762.5 / 9 = 84.7222…  → 84.72, category B (76.61–88.30), "Baik".
#   (With the weight rounded to 0.111 it would be 30.50 × 0.111 × 25 = 84.64 — the error the issue warns about.)
HAND_IKM, HAND_CATEGORY = Decimal("84.72"), Category.B


def write_csv(path: Path, rows, *, header: str = HEADER, delimiter: str = ";", bom: bool = False) -> Path:
    lines = [header.replace(";", delimiter)]
    for n, scores in enumerate(rows, start=1):
        lines.append(delimiter.join([str(n), f"Responden {n}", f"0812000{n:04d}", *map(str, scores)]))
    text = "\r\n".join(lines) + "\r\n"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    for key in list(os.environ):
        if key.startswith("PUBLISHER_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("PUBLISHER_SECRETS_DIR", str(tmp_path / "no-secrets"))
    (tmp_path / "posts").mkdir()
    return load_settings(posts_dir=tmp_path / "posts", state_dir=tmp_path / "state")


# --- the arithmetic -------------------------------------------------------------------------------------------


def test_hand_computed_sample():
    result = SkmResult.from_scores(HAND_SAMPLE)
    assert result.totals == (13, 13, 15, 13, 13, 13, 15, 13, 14)
    assert result.nrr[2] == Fraction(15, 4)
    assert result.ikm == Fraction(7625, 90)
    assert result.ikm_published == HAND_IKM
    assert result.category is HAND_CATEGORY and result.category.mutu == "Baik"


def test_the_weight_is_exactly_one_ninth():
    # 100 respondents, total score 3179: ΣNRR = 31.79, IKM = 31.79 × 25 / 9 = 88.30555… → 88.31, category A.
    # With 0.1111 for 1/9: 31.79 × 0.1111 × 25 = 88.2967 → 88.30, category B: the rounding would cost the A.
    rows = [(4,) * 9] * 53 + [(3,) * 9] * 46 + [(3, 3, 3, 3, 3, 3, 3, 4, 4)]
    result = SkmResult.from_scores(rows)
    assert sum(result.totals) == 3179
    assert result.ikm_published == Decimal("88.31")
    assert result.category is Category.A


@pytest.mark.parametrize(
    ("ikm", "category"),
    [
        (Fraction(100), Category.A),
        (Fraction(8831, 100), Category.A),
        (Fraction(88305, 1000), Category.A),  # published as 88.31
        (Fraction(883049, 10000), Category.B),  # published as 88.30
        (Fraction(8830, 100), Category.B),
        (Fraction(7661, 100), Category.B),
        (Fraction(76605, 1000), Category.B),  # 76.61
        (Fraction(766049, 10000), Category.C),  # 76.60
        (Fraction(7660, 100), Category.C),
        (Fraction(65), Category.C),
        (Fraction(64995, 1000), Category.C),  # 65.00
        (Fraction(649949, 10000), Category.D),  # 64.99
        (Fraction(6499, 100), Category.D),
        (Fraction(25), Category.D),
    ],
)
def test_band_edges_are_judged_on_the_two_decimal_value(ikm, category):
    assert category_of(ikm) is category
    assert category_of(float(Decimal(ikm.numerator) / Decimal(ikm.denominator))) is category


# --- reading the file -----------------------------------------------------------------------------------------


def test_semicolons_a_bom_and_other_columns(tmp_path):
    path = write_csv(tmp_path / "skm.csv", HAND_SAMPLE, bom=True)
    responses = read_responses(path)
    assert responses.scores == HAND_SAMPLE
    assert responses.ignored_columns == ["No", "Nama", "No HP"]


def test_commas_and_lowercase_headers_and_blank_rows(tmp_path):
    path = tmp_path / "skm.csv"
    header = "u1,u2,u3,u4,u5,u6,u7,u8,u9,Saran"
    rows = [",".join(map(str, r)) + ',"Antrean, tolong dipercepat"' for r in HAND_SAMPLE]
    path.write_text("\n".join([header, rows[0], "", ",,,,,,,,,", *rows[1:]]) + "\n", encoding="utf-8")
    assert read_responses(path).scores == HAND_SAMPLE


def test_excel_sep_line_names_the_delimiter_and_keeps_line_numbers(tmp_path):
    path = tmp_path / "skm.csv"
    path.write_bytes(write_csv(tmp_path / "plain.csv", [HAND_SAMPLE[0], (4, 4, 4, 4, 4, 4, 4, 4, 6)]).read_bytes()
                     .replace(b"No;", b"sep=;\r\nNo;", 1))  # fmt: skip
    assert problems_of(path) == [f"{path}:4: error: U9 is 6, outside the scores 1–4"]


def problems_of(path: Path) -> list[str]:
    with pytest.raises(SurveyFileError) as caught:
        read_responses(path)
    return [str(p) for p in caught.value.problems]


def test_score_outside_1_to_4_names_its_line(tmp_path):
    path = write_csv(tmp_path / "skm.csv", [HAND_SAMPLE[0], (4, 4, 5, 4, 4, 4, 4, 4, 4), (0, 4, 4, 4, 4, 4, 4, 4, 4)])
    assert problems_of(path) == [
        f"{path}:3: error: U3 is 5, outside the scores 1–4",
        f"{path}:4: error: U1 is 0, outside the scores 1–4",
    ]


def test_non_integer_and_empty_scores(tmp_path):
    path = write_csv(
        tmp_path / "skm.csv", [HAND_SAMPLE[0], ("3,5", 4, 4, 4, 4, 4, 4, 4, 4), (4, 4, 4, 4, "", 4, 4, 4, 4)]
    )
    problems = problems_of(path)
    assert problems[0].startswith(f"{path}:3: error: U1 is '3,5', not a whole score")
    assert problems[1] == f"{path}:4: error: U5 is empty: every respondent scores all nine unsur"


def test_missing_column(tmp_path):
    path = write_csv(tmp_path / "skm.csv", [r[:6] + r[7:] for r in HAND_SAMPLE], header=HEADER.replace(";U7", ""))
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:1: error: missing column U7")


def test_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "skm.csv"
    good = f"{HEADER}\r\n1;Budi;0812;4;4;4;4;4;4;4;4;4\r\n".encode()
    path.write_bytes(good + "2;José;0813;4;4;4;4;4;4;4;4;4\r\n".encode("latin-1"))
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:3: error: not UTF-8")


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\r\n\r\n"])
def test_empty_file(tmp_path, content):
    path = tmp_path / "skm.csv"
    path.write_bytes(content)
    assert problems_of(path) == [f"{path}:1: error: the file is empty: expected a header with U1 … U9"]


def test_header_without_responses(tmp_path):
    path = write_csv(tmp_path / "skm.csv", [])
    assert problems_of(path) == [f"{path}:1: error: no responses below the header"]


# --- the import: what is written, and that nothing is on error -------------------------------------------------


def test_import_writes_the_draft_post_and_the_stored_result(tmp_path, settings):
    path = write_csv(tmp_path / "skm.csv", HAND_SAMPLE)
    done = import_survey(path, "2026-q4", settings)
    assert done.post_id == "hasil-skm-2026-q4"
    assert done.summary()["ikm"] == 84.72 and done.summary()["category"] == "B"
    text = done.post_path.read_text(encoding="utf-8")
    assert "status: draft" in text and "84,72" in text and "Triwulan IV 2026" in text
    assert "Responden" not in text and "0812" not in text  # names and phones never leave the CSV
    record = SurveyStore.from_settings(settings).load(done.period)
    assert record["respondents"] == 4 and record["category"] == "B" and record["ikm"] == 84.72
    assert record["nrr"]["U3"] == 3.75 and len(record["source_sha256"]) == 64
    assert set(record) == {"period", "respondents", "totals", "nrr", "ikm", "ikm_exact", "category", "mutu",
                           "imported_at", "source_file", "source_sha256", "post"}  # fmt: skip
    stored = json.dumps(record)
    assert "Responden" not in stored and "0812" not in stored


def test_nothing_is_written_on_error(tmp_path, settings):
    path = write_csv(tmp_path / "skm.csv", [HAND_SAMPLE[0], (4, 4, 4, 4, 4, 4, 4, 4, 9)])
    with pytest.raises(SurveyFileError):
        import_survey(path, "2026-Q4", settings)
    assert list(Path(settings.posts_dir).iterdir()) == []
    assert not Path(settings.state_dir).exists() or not any(Path(settings.state_dir).rglob("*"))


def test_an_existing_results_post_is_kept_unless_replace(tmp_path, settings):
    path = write_csv(tmp_path / "skm.csv", HAND_SAMPLE)
    done = import_survey(path, "2026-Q4", settings)
    done.post_path.write_text(done.post_path.read_text().replace("status: draft", "status: ready"))
    with pytest.raises(SurveyRefused, match="--replace"):
        import_survey(path, "2026-Q4", settings)
    assert "status: ready" in done.post_path.read_text()
    import_survey(path, "2026-Q4", settings, replace=True)
    assert "status: draft" in done.post_path.read_text()


def test_short_caption_for_platforms_with_small_limits(tmp_path, settings):
    from publisher.posts.check import check_paths

    path = write_csv(tmp_path / "skm.csv", HAND_SAMPLE)
    done = import_survey(path, "2026-Q4", settings, platforms=["facebook", "x", "bluesky", "mastodon", "threads"])
    report = check_paths([done.post_path], settings)
    assert report.errors == [], report.errors
    post = report.posts[0]
    assert set(post.text) == {"x", "bluesky", "mastodon", "threads"}  # the body is ~700 characters
    assert post.skm is not None and post.skm.ikm == 84.72 and post.skm.nrr[2] == 3.75


# --- the command ------------------------------------------------------------------------------------------------


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUBLISHER_")}
    env.update(
        PUBLISHER_LANGUAGE="en",  # the suite's language (tests/conftest.py)
        PUBLISHER_POSTS_DIR=str(tmp_path / "posts"),
        PUBLISHER_STATE_DIR=str(tmp_path / "state"),
        PUBLISHER_SECRETS_DIR=str(tmp_path / "no-secrets"),
    )
    command = [sys.executable, "-m", "publisher", *args]
    return subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)


def test_command_json_then_check_passes(tmp_path):
    path = write_csv(tmp_path / "skm.csv", HAND_SAMPLE, bom=True)
    done = run(tmp_path, "survey", "import", str(path), "--period", "2026-Q4", "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["ikm"] == 84.72 and summary["category"] == "B" and summary["respondents"] == 4
    assert summary["post"] == "hasil-skm-2026-q4"
    checked = run(tmp_path, "check", str(tmp_path / "posts" / "hasil-skm-2026-q4.md"))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "error:" not in checked.stdout


def test_command_malformed_file_exits_1_with_line_numbers(tmp_path):
    path = write_csv(tmp_path / "skm.csv", [HAND_SAMPLE[0], (4, 4, 4, 4, 4, 4, 4, 4, 7)])
    done = run(tmp_path, "survey", "import", str(path), "--period", "2026-Q4", "--json")
    assert done.returncode == 1
    assert done.stdout == ""
    assert f"{path}:3: error: U9 is 7, outside the scores 1–4" in done.stderr
    assert not (tmp_path / "posts").exists() or not any((tmp_path / "posts").iterdir())


def test_command_refuses_a_bad_period(tmp_path):
    path = write_csv(tmp_path / "skm.csv", HAND_SAMPLE)
    done = run(tmp_path, "survey", "import", str(path), "--period", "Q4-2026")
    assert done.returncode == 1 and "2026-Q4" in done.stderr


# --- the card ---------------------------------------------------------------------------------------------------


def test_the_results_card_renders_for_every_platform(tmp_path, settings):
    from publisher.adapters.registry import adapter_classes
    from publisher.brand.palette import AA_NORMAL, contrast_ratio
    from publisher.cards import render_card
    from publisher.cards.skm import compose_skm_card
    from publisher.posts.loader import load_post

    done = import_survey(write_csv(tmp_path / "skm.csv", HAND_SAMPLE), "2026-Q4", settings)
    post = load_post(done.post_path, tz=ZoneInfo("Asia/Jakarta")).post
    assert post is not None
    for adapter in adapter_classes().values():
        card = render_card(post, adapter)
        with Image.open(io.BytesIO(card.data)) as image:
            assert (image.format, image.size) == (adapter.card.format, adapter.card.size)
        assert len(card.data) <= adapter.card.max_bytes
        composition = compose_skm_card(post, *adapter.card.size)
        texts = [block.text for block in composition.blocks]
        assert "84,72" in texts and "B · BAIK" in texts and "4 responden" in texts
        assert sum(1 for block in composition.blocks if block.role == "bar-label") == 9
        for block in composition.blocks:
            left, top, right, bottom = block.box
            assert 0 <= left < right <= adapter.card.width and 0 <= top < bottom <= adapter.card.height, block
            assert contrast_ratio(block.fill, block.background) >= AA_NORMAL, block


def test_the_render_cache_key_follows_the_figures(tmp_path, settings):
    from publisher.adapters.registry import adapter_class
    from publisher.cards.cache import cache_key
    from publisher.posts.loader import load_post

    done = import_survey(write_csv(tmp_path / "skm.csv", HAND_SAMPLE), "2026-Q4", settings)
    post = load_post(done.post_path, tz=ZoneInfo("Asia/Jakarta")).post
    assert post is not None and post.skm is not None
    changed = post.model_copy(update={"skm": post.skm.model_copy(update={"respondents": 5})})
    facebook = adapter_class("facebook")
    assert cache_key(post, facebook) != cache_key(changed, facebook)
