"""The transport seam on its own: what counts as "nothing sent" versus "answer lost", the dry run, the media store."""

from __future__ import annotations

import socket
import threading

import pytest

from publisher.adapters.media import DryRunMediaStore, MediaStore
from publisher.adapters.transport.base import USER_AGENT, AnswerLost, HttpRequest, NothingSent
from publisher.adapters.transport.dry_run import DryRunTransport
from publisher.adapters.transport.requests import RequestsTransport


class OneShotServer:
    """A raw socket server doing one thing per connection: answer, hang up after reading, or say nothing."""

    def __init__(self, behaviour: str) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/api"
        self.behaviour = behaviour
        self.requests: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                self.requests.append(conn.recv(65536))
                if self.behaviour == "answer":
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
                elif self.behaviour == "silent":
                    threading.Event().wait(2)
                # "hangup": close without a byte

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def server(request):
    s = OneShotServer(request.param)
    yield s
    s.close()


@pytest.mark.parametrize("server", ["answer"], indirect=True)
def test_user_agent_and_plain_success(server):
    response = RequestsTransport().send(HttpRequest("POST", server.url, json={"a": 1}))
    assert response.status == 200 and response.json() == {}
    assert f"User-Agent: {USER_AGENT}".encode() in server.requests[0]


@pytest.mark.parametrize("server", ["hangup"], indirect=True)
def test_hangup_after_the_request_is_answer_lost_and_not_retried(server):
    with pytest.raises(AnswerLost):
        RequestsTransport().send(HttpRequest("POST", server.url, data={"x": "1"}))
    assert len(server.requests) == 1


@pytest.mark.parametrize("server", ["silent"], indirect=True)
def test_read_timeout_is_answer_lost(server):
    with pytest.raises(AnswerLost, match="no answer"):
        RequestsTransport(timeouts=(2, 0.3)).send(HttpRequest("POST", server.url))


def test_refused_connection_is_nothing_sent_and_masks_the_url():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    from publisher.infra.masking import Masker

    transport = RequestsTransport(masker=Masker(["123:bot-SECRET"]))
    with pytest.raises(NothingSent) as caught:
        transport.send(HttpRequest("POST", f"http://127.0.0.1:{port}/bot123:bot-SECRET/sendPhoto"))
    assert "SECRET" not in str(caught.value) and caught.value.__cause__ is None


def test_dry_run_summarises_and_masks():
    transport = DryRunTransport(["tok-SECRET", "pw-SECRET"])
    transport.send(
        HttpRequest(
            "POST",
            "https://api.telegram.org/bottok-SECRET/sendPhoto",
            data={"caption": "Halo", "access_token": "tok-SECRET"},
            files={"photo": ("a.png", b"\x89PNG" + b"0" * 96, "image/png")},
            json={"identifier": "h", "password": "pw-SECRET", "nested": [{"p": "pw-SECRET"}]},
            headers={"Authorization": "Bearer anything"},
        )
    )
    [recorded] = transport.requests
    assert recorded.url == "https://api.telegram.org/bot***/sendPhoto"
    assert recorded.summary["files"] == {"photo": "<100 bytes image/png>"}
    assert recorded.summary["form"]["access_token"] == "***"
    assert recorded.summary["json"]["nested"] == [{"p": "***"}]
    assert recorded.summary["headers"]["Authorization"] == "***"
    assert "SECRET" not in repr(recorded)


def test_media_store_names_by_content(tmp_path):
    store = MediaStore(tmp_path / "media", "https://media.example.org/kanim/")
    url = store.put(b"same bytes", "JPEG")
    assert url.startswith("https://media.example.org/kanim/") and url.endswith(".jpg")
    assert store.put(b"same bytes", "JPEG") == url
    assert store.put(b"other bytes", "PNG").endswith(".png")
    assert sorted(p.suffix for p in (tmp_path / "media").iterdir()) == [".jpg", ".png"]  # no temp files left
    assert DryRunMediaStore().put(b"same bytes", "JPEG").rsplit("/", 1)[1] == url.rsplit("/", 1)[1]
