"""The review site in a real browser: headless Chromium opens it from disk (file://) and we look at it.

Chromium is driven over the Chrome DevTools Protocol on its loopback websocket (a tiny client over the
``websocket-client`` package): no browser download, no driver. Checked: every image loads, every post appears, the
filters work, and nothing is requested from anywhere but the site's own files. Screenshots of the index and of
one post page are saved under ``test-artifacts/`` for a person to look at.
"""

from __future__ import annotations

import base64
import contextlib
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from publisher.infra.settings import Settings
from publisher.preview import build_site

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "posts"
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
]
TIMEOUT = 30.0

websocket = pytest.importorskip("websocket", reason="websocket-client (a dev dependency) drives Chromium over CDP")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.tool("chromium"),
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)"),
]


class Browser:
    """Headless Chromium with one page, spoken to over the DevTools websocket (flattened target sessions)."""

    def __init__(self, profile: Path) -> None:
        assert CHROMIUM is not None
        self.process = subprocess.Popen(
            [CHROMIUM, *FLAGS, "--remote-debugging-port=0", f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + TIMEOUT
        while not (port_file.is_file() and len(port_file.read_text().splitlines()) >= 2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("chromium did not start its DevTools endpoint")
            time.sleep(0.05)
        port, path = port_file.read_text().splitlines()[:2]
        # suppress_origin: Chromium refuses DevTools websockets that carry an Origin it was not told to allow.
        self.ws = websocket.create_connection(f"ws://127.0.0.1:{port}{path}", timeout=TIMEOUT, suppress_origin=True)
        self._next_id = 0
        self.events: list[dict] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Network", "Runtime"):
            self.call(f"{domain}.enable", session=True)

    def call(self, method: str, session: bool = False, **params: object) -> dict:
        self._next_id += 1
        message: dict = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        self.ws.send(json.dumps(message))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str) -> dict:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            for i, event in enumerate(self.events):
                if event.get("method") == method:
                    return self.events.pop(i)
            self.events.append(json.loads(self.ws.recv()))
        raise TimeoutError(method)

    def open(self, url: str) -> None:
        self.events.clear()
        self.call("Page.navigate", session=True, url=url)
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> object:
        result = self.call(
            "Runtime.evaluate", session=True, expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise AssertionError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def requested_urls(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def screenshot(self, path: Path, width: int = 1280, max_height: int = 4000) -> None:
        self.call(
            "Emulation.setDeviceMetricsOverride",
            session=True,
            width=width,
            height=900,
            deviceScaleFactor=1,
            mobile=False,
        )
        height = min(int(self.evaluate("document.documentElement.scrollHeight")), max_height)
        self.call(
            "Emulation.setDeviceMetricsOverride",
            session=True,
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        # Let every image decode and paint at the new size before the capture.
        self.evaluate(
            "Promise.all(Array.from(document.images).map(i => i.decode().catch(() => null)))"
            ".then(() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))))"
        )
        time.sleep(0.3)
        data = self.call("Page.captureScreenshot", session=True, format="png")["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.call("Browser.close")
        try:
            self.ws.close()
        finally:
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    posts = tmp_path_factory.mktemp("posts")
    for source in EXAMPLES.glob("*.md"):
        shutil.copy(source, posts / source.name)
    # A title that would run if it were not escaped: the page must show it and never run it.
    (posts / "judul-berbahaya.md").write_text(
        "---\nkind: service-update\n"
        "title: 'Awas <script>window.__pwned = 1</script> <img src=x onerror=window.__pwned=2>'\n"
        "publish_at: 2026-12-05 09:00\nplatforms: [x, telegram]\nstatus: draft\n---\nIsi <b>tebal</b>?\n",
        encoding="utf-8",
    )
    (posts / "rusak.md").write_text("---\nkind: pengumuman\ntitle: Rusak\n---\nTanpa tanggal.\n", encoding="utf-8")
    settings = Settings(posts_dir=posts, state_dir=tmp_path_factory.mktemp("state"))
    report = build_site(None, settings, out, now=_now())
    assert not report.ok and len(report.invalid) == 1
    return out


def _now():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime(2026, 11, 29, 12, 0, tzinfo=ZoneInfo("Asia/Jakarta"))


@pytest.fixture(scope="module")
def browser() -> Browser:
    profile = Path(tempfile.mkdtemp(prefix="preview-chromium-"))
    instance = Browser(profile)
    try:
        yield instance
    finally:
        instance.close()
        shutil.rmtree(profile, ignore_errors=True)


IMAGES_LOADED = """
(async () => {
  const images = Array.from(document.images);
  for (const img of images) { img.scrollIntoView(); if (!img.complete) { try { await img.decode(); } catch (e) {} } }
  window.scrollTo(0, 0);
  return images.map(img => ({src: img.getAttribute('src'), width: img.naturalWidth}));
})()
"""


def _check_page(browser: Browser, page: Path) -> list[dict]:
    browser.open(page.as_uri())
    images = browser.evaluate(IMAGES_LOADED)
    broken = [i["src"] for i in images if not i["width"]]
    assert not broken, f"images that did not load on {page.name}: {broken}"
    outside = [u for u in browser.requested_urls() if not u.startswith(("file://", "data:", "about:"))]
    assert not outside, f"{page.name} requested something from the network: {outside}"
    assert browser.evaluate("window.__pwned === undefined"), "post text ran as script"
    return images


def test_index_lists_every_post_and_loads_every_image(site: Path, browser: Browser) -> None:
    images = _check_page(browser, site / "index.html")
    assert len(images) >= 10
    rows = browser.evaluate("Array.from(document.querySelectorAll('.row')).map(r => r.dataset.post)")
    expected = {p.stem for p in EXAMPLES.glob("*.md")} | {"judul-berbahaya", "rusak"}
    assert set(rows) == expected
    # The dangerous title is shown as text.
    assert "<script>" in browser.evaluate("document.querySelector('[data-post=judul-berbahaya] h2').textContent")
    assert browser.evaluate("document.querySelectorAll('.cal-entry').length") > 5
    browser.screenshot(ARTIFACTS / "preview-index.png")
    browser.screenshot(ARTIFACTS / "preview-index-phone.png", width=390, max_height=6000)  # readable on a phone


def test_filters_show_only_matching_posts(site: Path, browser: Browser) -> None:
    browser.open((site / "index.html").as_uri())
    script = """
    ((name, value) => {
      const form = document.getElementById('filters');
      for (const s of form.querySelectorAll('select')) s.value = '';
      form.elements[name].value = value;
      form.elements[name].dispatchEvent(new Event('change', {bubbles: true}));
      return Array.from(document.querySelectorAll('.row')).filter(r => !r.hidden)
        .map(r => ({post: r.dataset.post, kind: r.dataset.kind, status: r.dataset.status,
                    platforms: r.dataset.platforms}));
    })(%s, %s)
    """
    total = len(browser.evaluate(script % ('"kind"', '""')))
    events = browser.evaluate(script % ('"kind"', '"event-reminder"'))
    assert {r["post"] for r in events} == {
        "layanan-paspor-keliling",
        "seminar-pelayanan-prima",
        "workshop-mitra-pendidikan",
    }
    on_mastodon = browser.evaluate(script % ('"platform"', '"mastodon"'))
    assert on_mastodon and all("mastodon" in r["platforms"].split() for r in on_mastodon)
    assert len(on_mastodon) < total
    drafts = browser.evaluate(script % ('"status"', '"draft"'))
    assert {r["post"] for r in drafts} == {"survei-kepuasan", "judul-berbahaya"}
    invalid = browser.evaluate(script % ('"status"', '"invalid"'))
    assert [r["post"] for r in invalid] == ["rusak"]
    assert browser.evaluate("document.getElementById('shown').textContent") == "1"
    hidden_calendar = browser.evaluate("Array.from(document.querySelectorAll('.cal-entry')).every(e => e.hidden)")
    assert hidden_calendar  # the invalid post has no publications, so the calendar shows none


def test_post_pages_load_their_cards(site: Path, browser: Browser) -> None:
    pages = sorted((site / "posts").glob("*.html"))
    assert len(pages) == len(list(EXAMPLES.glob("*.md"))) + 1
    for page in pages:
        _check_page(browser, page)
    seminar = site / "posts" / "seminar-pelayanan-prima.html"
    images = _check_page(browser, seminar)
    assert len(images) == 7 + 7 * 3  # a card per platform plus one per reminder per platform
    counts = browser.evaluate("Array.from(document.querySelectorAll('.count b')).map(b => b.textContent)")
    assert "/280" in " ".join(counts)
    # Cards keep their real aspect ratio on the page.
    ratios = browser.evaluate(
        "Array.from(document.querySelectorAll('.frame img'))"
        ".map(i => [i.naturalWidth / i.naturalHeight, i.width / i.height])"
    )
    assert all(abs(natural - shown) < 0.02 for natural, shown in ratios)
    browser.screenshot(ARTIFACTS / "preview-post.png", width=1100, max_height=9000)
