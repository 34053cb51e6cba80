"""``publisher publish / retract / doctor`` as an operator runs them: a subprocess, settings from the environment,
every platform's API base on the loopback fake server, a real Redis."""

from __future__ import annotations

import pytest
import redis
from conftest import run_publisher

from publisher.adapters.registry import adapter_classes
from publisher.publishing.ledger import Ledger

pytestmark = pytest.mark.redis

SEVEN = ["facebook", "instagram", "x", "telegram", "mastodon", "bluesky", "threads"]


def ledger_of(env: dict[str, str]) -> Ledger:
    return Ledger(redis.Redis.from_url(env["PUBLISHER_REDIS_URL"]), env["PUBLISHER_NAMESPACE"])


def test_publish_reaches_all_seven_once_with_image_and_alt(publisher_env, fake_platform):
    first = run_publisher(publisher_env, "publish", "paspor-baru")
    assert first.returncode == 0, first.stdout + first.stderr
    lines = first.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == SEVEN
    assert all(line.split(": ", 1)[1].startswith("published http") for line in lines), lines

    classes = adapter_classes()
    for name in SEVEN:
        [publication] = fake_platform.published(name)
        spec = classes[name].card
        assert (publication.image.width, publication.image.height) == spec.size, name
        assert publication.image.format == spec.format, name
        assert "Kantor Imigrasi Bengkulu Selatan" in publication.text, name
        if classes[name].supports_alt_text:
            assert publication.alt, f"{name} got no alt text"

    records = {r.platform: r for r in ledger_of(publisher_env).for_post("paspor-baru")}
    assert sorted(records) == sorted(SEVEN)
    assert all(r.state == "published" and r.remote_id and r.attempts == 1 for r in records.values())

    requests_before = len(fake_platform.requests)
    second = run_publisher(publisher_env, "publish", "paspor-baru")
    assert second.returncode == 0, second.stdout + second.stderr
    assert all(": already published" in line for line in second.stdout.splitlines()), second.stdout
    assert len(fake_platform.requests) == requests_before  # not a single request the second time
    assert all(len(fake_platform.published(name)) == 1 for name in SEVEN)


def test_publish_one_platform_only(publisher_env, fake_platform):
    result = run_publisher(publisher_env, "publish", "paspor-baru", "--platform", "telegram", "--platform", "x")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("x: published")
    assert result.stdout.splitlines()[1].startswith("telegram: published")
    assert fake_platform.published("facebook") == []


def test_a_wrong_token_is_one_line_naming_the_platform_exit_1(publisher_env, fake_platform):
    wrong = "999999:WRONG-tg-token-5c4b3a"
    publisher_env["PUBLISHER_TELEGRAM__BOT_TOKEN"] = wrong
    result = run_publisher(publisher_env, "publish", "paspor-baru", "--platform", "telegram")
    assert result.returncode == 1
    [line] = result.stdout.splitlines()
    assert line.startswith("telegram: failed (auth): ")
    assert "token" in line.lower()
    assert wrong not in result.stdout + result.stderr and "WRONG-tg-token" not in result.stdout + result.stderr
    # The log has the event as one line (post, platform, state, attempt), and logging itself works.
    assert "event=failed post=paspor-baru platform=telegram state=failed attempt=1" in result.stderr
    assert "Logging error" not in result.stderr
    assert ledger_of(publisher_env).get("paspor-baru/telegram/main").state == "failed"

    doctor = run_publisher(publisher_env, "doctor")
    assert doctor.returncode == 1
    [telegram] = [line for line in doctor.stdout.splitlines() if " telegram:" in line]
    assert telegram.startswith("FAIL") and ("token" in telegram.lower() or "auth" in telegram.lower())
    assert "WRONG-tg-token" not in doctor.stdout + doctor.stderr

    # The operator fixes the token and runs publish again: a person may retry a final failure.
    publisher_env["PUBLISHER_TELEGRAM__BOT_TOKEN"] = "123456:tg-bot-SECRET"
    again = run_publisher(publisher_env, "publish", "paspor-baru", "--platform", "telegram")
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(fake_platform.published("telegram")) == 1


def test_a_platform_not_configured_is_a_clear_failure(publisher_env, fake_platform):
    for key in [k for k in publisher_env if k.startswith("PUBLISHER_MASTODON__")]:
        del publisher_env[key]
    result = run_publisher(publisher_env, "publish", "paspor-baru")
    assert result.returncode == 1
    lines = dict(line.split(": ", 1) for line in result.stdout.splitlines())
    assert lines["mastodon"] == (
        "failed (not_configured): mastodon is not configured: set PUBLISHER_MASTODON__API_BASE, "
        "PUBLISHER_MASTODON__ACCESS_TOKEN"
    )
    assert sum(value.startswith("published") for value in lines.values()) == 6
    doctor = run_publisher(publisher_env, "doctor")
    assert doctor.returncode == 1  # ready posts list mastodon
    assert "PUBLISHER_MASTODON__ACCESS_TOKEN" in doctor.stdout


def test_doctor_all_good(publisher_env):
    result = run_publisher(publisher_env, "doctor")
    assert result.returncode == 0, result.stdout + result.stderr
    assert all(line.startswith("ok") for line in result.stdout.splitlines())


def test_unknown_post_and_draft(publisher_env, fake_platform):
    missing = run_publisher(publisher_env, "publish", "no-such-post")
    assert missing.returncode == 1 and "no post with id 'no-such-post'" in missing.stderr
    draft = run_publisher(publisher_env, "publish", "survei-kepuasan")
    assert draft.returncode == 1 and "draft" in draft.stdout
    assert all(fake_platform.published(name) == [] for name in SEVEN)


def test_retract_deletes_everywhere_and_then_there_is_nothing_left(publisher_env, fake_platform):
    assert run_publisher(publisher_env, "publish", "paspor-baru").returncode == 0
    result = run_publisher(publisher_env, "retract", "paspor-baru")
    assert result.returncode == 0, result.stdout + result.stderr
    assert all(": deleted" in line for line in result.stdout.splitlines()), result.stdout
    assert all(fake_platform.published(name) == [] for name in SEVEN)
    states = {r.state for r in ledger_of(publisher_env).for_post("paspor-baru")}
    assert states == {"retracted"}
    # Retracted is not "not published": publish does not put it back.
    again = run_publisher(publisher_env, "publish", "paspor-baru")
    assert again.returncode == 1
    assert all(fake_platform.published(name) == [] for name in SEVEN)


def test_a_lost_answer_is_reconciled_not_resent(publisher_env, fake_platform):
    fake_platform.fail("facebook", "/photos", "drop_after_accept")
    result = run_publisher(publisher_env, "publish", "paspor-baru", "--platform", "facebook")
    assert len(fake_platform.published("facebook")) == 1
    # Either the reconcile found it (published) or it is flagged for a person; never a second copy.
    line = result.stdout.strip()
    assert line.startswith("facebook: published") or line.startswith("facebook: UNKNOWN"), line
    again = run_publisher(publisher_env, "publish", "paspor-baru", "--platform", "facebook")
    assert len(fake_platform.published("facebook")) == 1, again.stdout
