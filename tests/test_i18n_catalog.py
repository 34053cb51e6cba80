"""The Indonesian catalog is complete and in step with the code: CI fails when a message lacks a translation, a
translation's placeholders differ from the source's, the catalog misses (or keeps) a message the code does not
have, or the committed .mo is older than the .po."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from publisher import i18n

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "publisher/locale/id/LC_MESSAGES/publisher.po"
MO = PO.with_suffix(".mo")
# The one extraction command (the README's "Translations" gives it to people).
EXTRACT = ["extract", "-F", "babel.cfg", "-k", "N_", "--no-location", "--sort-output"]
RESUME = "Restart publishing after `publisher pause`."
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdfr]|%[sdfr]|\{(\w*)(?:[!:][^}]*)?\}")


def _placeholders(text: str) -> list[str]:
    return sorted(m.group(0) if m.group(1) is None and m.group(2) is None else (m.group(1) or m.group(2) or "")
                  for m in PLACEHOLDER.finditer(text))  # fmt: skip


def _messages(catalog) -> dict[str, object]:
    return {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}


def _strings(message) -> tuple[str, ...]:
    return tuple(message.string) if isinstance(message.string, (list, tuple)) else (message.string,)


@pytest.fixture(scope="module")
def po():
    with PO.open("rb") as f:
        return read_po(f, locale="id")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    pot = tmp_path_factory.mktemp("pot") / "publisher.pot"
    command = [sys.executable, "-c", "from babel.messages.frontend import main; main()", *EXTRACT, "-o", str(pot), "."]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    with pot.open("rb") as f:
        return read_po(f)


def test_the_catalog_has_exactly_the_messages_of_the_code(po, extracted):
    in_code, in_po = set(_messages(extracted)), set(_messages(po))
    assert not in_code - in_po, "not in the catalog: run `pybabel update` (README, Translations)"
    assert not in_po - in_code, "no longer in the code: run `pybabel update`"


def test_every_message_is_translated_and_none_is_fuzzy(po):
    for message in po:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"no Indonesian for {message.id!r}"
        assert not message.fuzzy, f"fuzzy: {message.id!r}"


def test_placeholders_are_the_same_in_the_translation(po):
    for message in po:
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            assert _placeholders(string) == _placeholders(source), f"{source!r} -> {string!r}"
    assert not [error for _, errors in po.check() for error in errors]


def test_the_committed_mo_is_compiled_from_the_po(po):
    with MO.open("rb") as f:
        compiled = read_mo(f)
    expected = {k: _strings(m) for k, m in _messages(po).items()}
    assert {k: _strings(m) for k, m in _messages(compiled).items()} == expected, "run `pybabel compile` (README)"


def test_the_language_follows_the_setting(monkeypatch, native_language):
    monkeypatch.setenv("PUBLISHER_LANGUAGE", "id")
    assert i18n._(RESUME) == "Melanjutkan penerbitan setelah `publisher pause`."
    monkeypatch.setenv("PUBLISHER_LANGUAGE", "en")
    assert i18n._(RESUME) == RESUME
    with i18n.use_language("id"):
        assert i18n._(RESUME) == "Melanjutkan penerbitan setelah `publisher pause`."
    monkeypatch.delenv("PUBLISHER_LANGUAGE")
    assert i18n.current_language() == "id"


def test_help_follows_lang_option():
    from click.testing import CliRunner

    from publisher.cli import cli

    indonesian = CliRunner().invoke(cli, ["--lang", "id", "resume", "--help"], env={"PUBLISHER_LANGUAGE": "en"})
    assert "Melanjutkan penerbitan" in indonesian.output
    english = CliRunner().invoke(cli, ["--lang", "en", "resume", "--help"], env={"PUBLISHER_LANGUAGE": "id"})
    assert RESUME in english.output
    poster = CliRunner().invoke(cli, ["--lang", "id", "poster", "--help"]).output
    assert "Penggunaan: cli poster" in poster and "[wajib]" in poster and "Opsi:" in poster
    assert i18n.current_language() == "en"  # --lang ended with its invocation: the suite's PUBLISHER_LANGUAGE again
