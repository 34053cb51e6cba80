"""No credential ever reaches a person or a log: every verb, with distinctive fake secrets, on success and on failure.

Checked: stdout and stderr of each verb run as a subprocess (logging at DEBUG, so every log line is in stderr), the
log records and exception text of an in-process run, and every value the ledger stored in Redis.
"""

from __future__ import annotations

import logging

import pytest
import redis
from click.testing import CliRunner
from conftest import run_publisher

from publisher.infra.masking import MASK, Masker, MaskingFilter, MaskingStream, uninstall_log_masking

pytestmark = pytest.mark.redis

# Distinctive values that the fake platform refuses, so every error path (auth failures, error bodies,
# the dry-run recorder) has a secret to leak.
WRONG = {
    "PUBLISHER_FACEBOOK__ACCESS_TOKEN": "SEKRET-fb-9f8e7d",
    "PUBLISHER_INSTAGRAM__ACCESS_TOKEN": "SEKRET-ig-8e7d6c",
    "PUBLISHER_THREADS__ACCESS_TOKEN": "SEKRET-th-7d6c5b",
    "PUBLISHER_X__CONSUMER_KEY": "SEKRET-xck-6c5b4a",
    "PUBLISHER_X__CONSUMER_SECRET": "SEKRET-xcs-5b4a39",
    "PUBLISHER_X__ACCESS_TOKEN": "SEKRET-xat-4a3928",
    "PUBLISHER_X__ACCESS_TOKEN_SECRET": "SEKRET-xats-392817",
    "PUBLISHER_TELEGRAM__BOT_TOKEN": "987654:SEKRET-tg-281706",
    "PUBLISHER_MASTODON__ACCESS_TOKEN": "SEKRET-md-1706f5",
    "PUBLISHER_BLUESKY__APP_PASSWORD": "SEKRET-bs-06f5e4",
}


def secrets_of(env: dict[str, str]) -> list[str]:
    """Every secret value in ``env``, and the parts a leak could show on their own (a bot token's secret half)."""
    names = [k for k in env if k.startswith("PUBLISHER_") and any(w in k for w in ("TOKEN", "SECRET", "PASSWORD"))]
    values = [env[name] for name in names]
    return values + [v.split(":", 1)[1] for v in values if ":" in v]


def verbs(out_dir: str) -> list[list[str]]:
    return [
        ["check"],
        ["publish", "paspor-baru", "--dry-run"],
        ["publish", "paspor-baru"],
        ["publish", "paspor-baru"],  # again: the "already published" path
        ["status"],
        ["status", "--json"],
        ["preview", "--out", out_dir],
        ["doctor"],
        ["retract", "paspor-baru"],
        ["resolve", "paspor-baru/facebook/main", "--not-published"],
        ["-v", "publish", "no-such-post"],
    ]


def assert_nothing_leaks(env: dict[str, str], outputs: list[str]) -> None:
    secrets = secrets_of(env)
    assert secrets
    for text in outputs:
        for secret in secrets:
            assert secret not in text, f"secret {secret[:6]}… leaked in:\n{text}"
    client = redis.Redis.from_url(env["PUBLISHER_REDIS_URL"])
    stored = 0
    for namespace in (env["PUBLISHER_NAMESPACE"], env["PUBLISHER_NAMESPACE"] + "-dry-run"):
        for key in client.scan_iter(match=f"{namespace}:*"):
            kind = client.type(key)
            values = client.hvals(key) if kind == b"hash" else []
            values += list(client.smembers(key)) if kind == b"set" else []
            values += [client.get(key) or b""] if kind == b"string" else []
            for value in values:
                stored += 1
                for secret in secrets:
                    assert secret.encode() not in value, f"secret {secret[:6]}… stored in {key!r}"
    assert stored, "the ledger recorded nothing: the test would prove nothing"


def run_every_verb(env: dict[str, str], tmp_path) -> list[str]:
    env = {**env, "PUBLISHER_LOG_LEVEL": "DEBUG"}
    outputs, ran = [], set()
    for args in verbs(str(tmp_path / "preview")):
        result = run_publisher(env, *args)
        if "No such command" in result.stderr:
            continue  # a verb another issue has not landed yet
        ran.add(next(a for a in args if not a.startswith("-")))
        outputs += [result.stdout, result.stderr]
    assert {"check", "publish", "retract", "doctor", "resolve"} <= ran
    return outputs


def test_wrong_secrets_never_show(publisher_env, tmp_path):
    publisher_env.update(WRONG)
    outputs = run_every_verb(publisher_env, tmp_path)
    assert any("auth" in text or "token" in text.lower() for text in outputs)  # the failures were reported
    assert_nothing_leaks(publisher_env, outputs)


def test_working_secrets_never_show(publisher_env, fake_platform, tmp_path):
    outputs = run_every_verb(publisher_env, tmp_path)
    assert len(fake_platform.published("telegram")) == 0  # published, then retracted
    assert any(": published" in text for text in outputs)
    assert_nothing_leaks(publisher_env, outputs)


def test_in_process_log_records_and_exceptions(publisher_env, monkeypatch, caplog):
    publisher_env.update(WRONG)
    for name, value in publisher_env.items():
        if name.startswith("PUBLISHER_"):
            monkeypatch.setenv(name, value)
    monkeypatch.chdir(publisher_env["PUBLISHER_STATE_DIR"].rsplit("/", 1)[0])
    caplog.set_level(logging.DEBUG)
    from publisher.cli import cli

    texts = []
    try:
        for args in (["publish", "paspor-baru"], ["doctor"], ["retract", "paspor-baru"], ["publish", "nope"]):
            result = CliRunner().invoke(cli, args)
            texts += [result.output, repr(result.exception), str(result.exception)]
        # A log call that carries a secret, as a careless library might make, is masked too.
        logging.getLogger("some.library").error(
            "calling https://api.example/bot%s/getMe", WRONG["PUBLISHER_TELEGRAM__BOT_TOKEN"]
        )
    finally:
        uninstall_log_masking()
    texts += [record.getMessage() for record in caplog.records]
    texts += [record.exc_text or "" for record in caplog.records]
    texts.append(caplog.text)
    assert any("platform=facebook" in text for text in texts)  # the publish events were logged
    assert_nothing_leaks(publisher_env, texts)


# --- the Masker itself -------------------------------------------------------------------------------------------


def test_masker_hides_known_values_encoded_forms_and_token_shapes():
    masker = Masker(["SEKRET-fb-9f8e7d", "a+b/c=d-SEKRET", "x1"])
    assert masker.mask("token SEKRET-fb-9f8e7d!") == f"token {MASK}!"
    assert masker.mask("q=a%2Bb%2Fc%3Dd-SEKRET") == f"q={MASK}"  # URL-encoded in a query string
    assert masker.mask("x1 stays: too short to be a secret") == "x1 stays: too short to be a secret"
    # Shapes hidden even when the value is unknown to this process:
    assert masker.mask("GET https://api.telegram.org/bot123456:AAE-x_y/sendPhoto") == (
        f"GET https://api.telegram.org/bot{MASK}/sendPhoto"
    )
    assert masker.mask("GET /me?fields=id&access_token=EAAGabc123") == f"GET /me?fields=id&access_token={MASK}"
    assert masker.mask("Authorization: Bearer abcdefgh12345") == f"Authorization: Bearer {MASK}"
    assert masker.mask("redis://:pa55word@host:6379/0") == f"redis://:{MASK}@host:6379/0"


def test_masking_filter_masks_arguments_and_tracebacks():
    masker = Masker(["SEKRET-9f8e7d"])
    record = logging.LogRecord("t", logging.ERROR, __file__, 1, "sent %s", ("SEKRET-9f8e7d",), None)
    try:
        raise RuntimeError("failed with SEKRET-9f8e7d")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    assert MaskingFilter(masker).filter(record)
    assert "SEKRET" not in record.getMessage() and "RuntimeError" in record.getMessage()
    assert "SEKRET" not in logging.Formatter().format(record)


def test_masking_stream_masks_whole_lines(capsys):
    import sys

    masker = Masker(["SEKRET-9f8e7d"])
    stream = MaskingStream(sys.stdout, lambda: masker)
    stream.write("half SEKRET-")
    stream.write("9f8e7d and the rest\n")
    stream.write("no newline SEKRET-9f8e7d")
    stream.flush()
    assert capsys.readouterr().out == f"half {MASK} and the rest\nno newline {MASK}"
    with pytest.raises(AttributeError):
        stream.buffer  # noqa: B018 - bytes would go around the mask


def test_the_worker_and_the_beat_mask_their_log_records(monkeypatch):
    """Celery sends ``after_setup_logger`` when the worker or the beat sets up its logging: the masker goes in."""
    import io

    from celery import signals

    import worker.celery_app  # noqa: F401 - connects the receivers

    monkeypatch.setenv("PUBLISHER_TELEGRAM__BOT_TOKEN", WRONG["PUBLISHER_TELEGRAM__BOT_TOKEN"])
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    logger = logging.getLogger("worker.test-masking")
    logger.addHandler(handler)
    try:
        signals.after_setup_logger.send(
            sender=None,
            logger=logging.getLogger("celery"),
            loglevel=logging.INFO,
            logfile=None,
            format="",
            colorize=False,
        )
        logger.error("sending with %s", WRONG["PUBLISHER_TELEGRAM__BOT_TOKEN"])
    finally:
        logger.removeHandler(handler)
        uninstall_log_masking()
    assert out.getvalue() == f"sending with {MASK}\n"
