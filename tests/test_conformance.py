"""Every request the adapters send, checked against references nobody here wrote (tests/conformance/refs: the
atproto lexicons, the Telegram Bot API spec, mastodon-openapi, X's OpenAPI and twitter-text config, the Graph
codegen specs, the Threads Postman collection; SOURCES.json says where each comes from, at which commit)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.fakeplatform import Request
from lexicon import format_ok
from refcheck import REFS, facet_problems, official_links, problems

PLATFORMS = ["facebook", "instagram", "x", "telegram", "mastodon", "bluesky", "threads"]
WIKI = "https://id.wikipedia.org/wiki/Imigrasi_(Indonesia)"
CAPTIONS = {
    "plain": "Layanan paspor elektronik kini tersedia. https://imigrasi.go.id/paspor #imigrasi",
    "bracketed link": f"Sejarah keimigrasian: {WIKI}. Baca juga https://imigrasi.go.id/ #Imigrasi #PasporRI",
    "non-ascii": "Layanan paspor 🛂 kini tersedia — é info: https://imigrasi.go.id/paspor?x=1&y=2 #Pelayanan_Prima",
}


@pytest.mark.parametrize("caption", CAPTIONS.values(), ids=CAPTIONS.keys())
@pytest.mark.parametrize("name", PLATFORMS)
def test_every_request_an_adapter_sends_conforms(name, caption, make_adapter, outgoing_for, fake_platform):
    assert make_adapter(name).publish(outgoing_for(name, caption=caption)).ok
    sent = [request for platform, request in fake_platform.requests if platform == name]
    assert sent
    found = [problem for request in sent for problem in problems(name, request)]
    assert found == []


def _syntax(name: str) -> tuple[list[str], list[str]]:
    def lines(kind: str) -> list[str]:
        text = (REFS / "bluesky" / "syntax" / f"{name}_syntax_{kind}.txt").read_text(encoding="utf-8")
        return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]

    return lines("valid"), lines("invalid")


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("datetime", "datetime"),
        ("tid", "tid"),
        ("did", "did"),
        ("nsid", "nsid"),
        ("recordkey", "record-key"),
        ("language", "language"),
    ],
)
def test_the_lexicon_checker_reads_formats_as_the_atproto_interop_files_do(name, fmt):
    valid, invalid = _syntax(name)
    assert [v for v in valid if not format_ok(fmt, v)] == []
    assert [v for v in invalid if format_ok(fmt, v)] == []


# --- the checks have teeth: requests known to be wrong are caught -------------------------------------------------


def test_a_link_facet_that_stops_before_the_closing_bracket_is_caught():
    text = f"Baca {WIKI}."
    start = len(b"Baca ")
    short = {
        "index": {"byteStart": start, "byteEnd": start + len(WIKI) - 1},
        "features": [{"$type": "app.bsky.richtext.facet#link", "uri": WIKI[:-1]}],
    }
    assert official_links(text) == [(start, start + len(WIKI))]
    assert any("official client links" in p for p in facet_problems(text, [short]))


def test_facet_offsets_in_characters_instead_of_bytes_are_caught():
    text = "Paspor 🛂 https://imigrasi.go.id"
    start = text.index("https")  # characters, not bytes
    facet = {
        "index": {"byteStart": start, "byteEnd": start + 22},
        "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://imigrasi.go.id"}],
    }
    assert facet_problems(text, [facet])


def _request(method: str, path: str, **kwargs) -> Request:  # type: ignore[no-untyped-def]
    return Request(method, path, kwargs.pop("query", {}), kwargs.pop("headers", {}), kwargs.pop("body", b""), **kwargs)


def _json(method: str, path: str, body: object) -> Request:
    return _request(method, path, headers={"content-type": "application/json"}, json=body)


@pytest.mark.parametrize(
    ("platform", "request_", "expected"),
    [
        ("telegram", _request("POST", "/botT/sendPhoto", form={"chat_id": "@c", "captoin": "x"}), "not a parameter"),
        ("telegram", _request("POST", "/botT/sendPhoto", form={"chat_id": "@c", "caption": "é" * 1025}), "over 1024"),
        ("x", _json("POST", "/2/tweets", {"text": "a" * 281}), "weighs 281"),
        ("x", _json("POST", "/2/tweets", {"txt": "a"}), "txt"),
        ("mastodon", _json("POST", "/api/v1/statuses", {"status": 5}), "not of type"),
        ("facebook", _request("POST", "/1/photos", form={"mesage": "x"}), "not a parameter"),
        ("instagram", _request("POST", "/1/media_publish", form={}), "required 'creation_id'"),
        ("threads", _request("POST", "/1/threads", form={"txt": "x"}), "no request"),
        ("bluesky", _request("POST", "/xrpc/com.atproto.repo.createRecord", json={"repo": "x"}), "missing required"),
    ],
)
def test_requests_that_break_the_reference_are_caught(platform, request_, expected):
    assert any(expected in p for p in problems(platform, request_)), problems(platform, request_)


def test_the_vendored_references_say_where_they_come_from():
    sources = json.loads((REFS / "SOURCES.json").read_text())
    listed = {entry["file"] for entry in sources}
    present = {str(p.relative_to(REFS)) for p in Path(REFS).rglob("*") if p.is_file() and p.name != "SOURCES.json"}
    assert listed == present
    assert all(len(entry["commit"]) == 40 for entry in sources)
