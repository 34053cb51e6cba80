"""publisher.infra.logs: one line per event with post, platform, state and attempt; masked; --verbose for details."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from publisher.cli import cli
from publisher.infra import logs
from publisher.infra.masking import Masker, install_log_masking

EXAMPLES = Path(__file__).resolve().parent.parent / "posts"


@pytest.fixture
def captured() -> io.StringIO:
    """The publisher's log handler writing into a buffer; the root logger's level and handlers restored after."""
    root = logging.getLogger()
    saved_level, saved_handlers = root.level, list(root.handlers)
    buffer = io.StringIO()
    handler = logs.configure(stream=buffer, level="INFO")
    handler.setStream(buffer)  # type: ignore[attr-defined]
    yield buffer
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)


def test_one_line_per_event_with_the_facts(captured: io.StringIO) -> None:
    log = logging.getLogger("publisher.publish")
    logs.event(log, "failed", post_id="paspor-baru", platform="x", state="failed", attempt=2, error="HTTP 503\nretry")
    line = captured.getvalue()
    assert line.count("\n") == 1
    assert 'event=failed post=paspor-baru platform=x state=failed attempt=2 error="HTTP 503\\nretry"' in line
    assert " INFO publisher.publish " in line


def test_exceptions_stay_on_the_line_unless_verbose(captured: io.StringIO) -> None:
    log = logging.getLogger("publisher.publish")
    try:
        raise RuntimeError("platform said no\nsecond line")
    except RuntimeError:
        log.exception("event=crashed post=p")
    assert captured.getvalue().count("\n") == 1
    assert "error=" in captured.getvalue() and "Traceback" not in captured.getvalue()
    logs.configure(verbose=True)
    try:
        raise RuntimeError("details please")
    except RuntimeError:
        log.exception("event=crashed post=p")
    assert "Traceback" in captured.getvalue()


def test_secrets_never_reach_the_log(captured: io.StringIO) -> None:
    install_log_masking(Masker(["EAAB-sangat-rahasia-123"]))
    try:
        log = logging.getLogger("publisher.adapters.facebook")
        logs.event(
            log,
            "failed",
            post_id="p",
            platform="facebook",
            url="https://graph.example/v1/me/photos?access_token=EAAB-sangat-rahasia-123",
        )
        assert "sangat-rahasia" not in captured.getvalue()
        assert "access_token=***" in captured.getvalue()
    finally:
        install_log_masking(Masker())


def test_verbose_option_raises_the_level(tmp_path: Path) -> None:
    root = logging.getLogger()
    saved_level, saved_handlers = root.level, list(root.handlers)
    try:
        result = CliRunner().invoke(
            cli, ["--verbose", "check", str(EXAMPLES)], env={"PUBLISHER_STATE_DIR": str(tmp_path)}
        )
        assert result.exit_code == 0, result.output
        assert root.level == logging.DEBUG
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
    assert "--verbose" in CliRunner().invoke(cli, ["--help"]).output
