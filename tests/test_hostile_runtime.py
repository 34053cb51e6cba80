"""Issue 11, items 4, 9 and 11 at run time: the scheduler's sync survives one bad post; settings are validated
when loaded; every verb turns an operational error into one line and exit 1; secrets pasted with whitespace."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import run_publisher
from helpers.posts import write_post
from helpers.runtime import scheduler_runtime
from pydantic import ValidationError

from publisher.infra.masking import Masker
from publisher.infra.settings import Settings, settings_problem
from publisher.scheduler import sync
from publisher.scheduler.runtime import Runtime

UNREACHABLE = "redis://127.0.0.1:1/0"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("PUBLISHER_") and name != "PUBLISHER_TEST_REDIS_URL":
            monkeypatch.delenv(name)


@pytest.fixture
def runtime(tmp_path: Path):  # type: ignore[no-untyped-def]
    with scheduler_runtime(tmp_path, "test-hostile") as runtime:
        yield runtime


# --- item 4: the sync survives one post it cannot schedule ------------------------------------------------------


@pytest.mark.redis
def test_sync_reports_and_skips_a_post_it_cannot_schedule_and_schedules_the_others(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    for post_id in ("a-baik", "b-rusak", "c-baik"):
        write_post(runtime.settings.posts_dir, post_id, publish_at="2030-01-01 09:00")
    real = sync.publications

    def breaks_on_one(post, **kwargs):  # type: ignore[no-untyped-def]
        if post.id == "b-rusak":
            raise OverflowError("date value out of range")
        return real(post, **kwargs)

    monkeypatch.setattr(sync, "publications", breaks_on_one)
    report = sync.sync_posts(runtime)
    assert sorted(report.scheduled) == ["a-baik/telegram/main", "c-baik/telegram/main"]
    assert report.invalid_posts == ["b-rusak"]


# --- item 9: settings validated when loaded; one line, exit 1, for every verb ----------------------------------


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"PUBLISHER_RATE_LIMITS": '{"x": 0}'}, ["PUBLISHER_RATE_LIMITS"]),
        ({"PUBLISHER_RATE_LIMITS": '{"x": -5, "telegram": 20}'}, ["PUBLISHER_RATE_LIMITS"]),
        ({"PUBLISHER_VISIBILITY_TIMEOUT": "0", "PUBLISHER_TASK_TIME_LIMIT": "-1"}, ["VISIBILITY", "TASK_TIME"]),
        ({"PUBLISHER_LOG_LEVEL": "LOUD"}, ["PUBLISHER_LOG_LEVEL"]),
    ],
)
def test_bad_settings_are_one_clear_line_and_exit_1(tmp_path: Path, env: dict[str, str], names: list[str]) -> None:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PUBLISHER_")}
    base.update(PUBLISHER_POSTS_DIR=str(tmp_path), PUBLISHER_STATE_DIR=str(tmp_path / "state"), **env)
    for verb in (["status"], ["doctor"], ["check"]):
        done = run_publisher(base, *verb, cwd=tmp_path)
        assert done.returncode == 1, (verb, done.stderr)
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert all(name in done.stderr for name in names), done.stderr


@pytest.mark.parametrize(
    "verb",
    [["status"], ["pause"], ["resume"], ["resolve", "p/x/main", "--not-published"], ["run", "--dry-run"],
     ["publish", "paspor-baru", "--dry-run"], ["retract", "paspor-baru"]],
)  # fmt: skip
def test_every_verb_says_redis_is_unreachable_in_one_line(tmp_path: Path, verb: list[str]) -> None:
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "paspor-baru.md").write_text((Path(__file__).parent.parent / "posts" / "paspor-baru.md").read_text())
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUBLISHER_")}
    env.update(PUBLISHER_POSTS_DIR=str(posts), PUBLISHER_STATE_DIR=str(tmp_path / "state"),
               PUBLISHER_REDIS_URL=UNREACHABLE)  # fmt: skip
    done = run_publisher(env, *verb, cwd=tmp_path, timeout=60)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Connection refused" in done.stderr, done.stderr


# --- item 11: secrets with whitespace ---------------------------------------------------------------------------


def test_a_secret_with_a_trailing_newline_or_leading_space_is_stripped(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PUBLISHER_X__BEARER_TOKEN", "tok-abcdef\n")
    monkeypatch.setenv("PUBLISHER_TELEGRAM__BOT_TOKEN", " 123456:ABCdef")
    (tmp_path / ".env").write_text('PUBLISHER_MASTODON__ACCESS_TOKEN="mast-token \\n"\n')
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.x.bearer_token is not None and settings.x.bearer_token.get_secret_value() == "tok-abcdef"
    assert settings.telegram.bot_token is not None
    assert settings.telegram.bot_token.get_secret_value() == "123456:ABCdef"
    assert settings.mastodon.access_token is not None
    assert settings.mastodon.access_token.get_secret_value() == "mast-token"


def test_a_secret_with_inner_whitespace_is_refused_naming_the_variable_not_the_value(monkeypatch) -> None:
    monkeypatch.setenv("PUBLISHER_X__BEARER_TOKEN", "tok-abc\ndef-secret")
    with pytest.raises(ValidationError) as caught:
        Settings()
    message = settings_problem(caught.value)
    assert message.startswith("settings: PUBLISHER_X__BEARER_TOKEN: holds spaces, line breaks or control")
    assert "def-secret" not in message and "\n" not in message


def test_error_text_that_quotes_a_secret_escaped_is_masked() -> None:
    masker = Masker(["tok-abcdef\n"])
    text = "Invalid leading whitespace in header value: 'Bearer tok-abcdef\\n'"
    assert "tok-abcdef" not in masker.mask(text)
