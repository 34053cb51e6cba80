"""Settings as the contract names them, and a CLI where every verb explains itself."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from publisher.cli import cli
from publisher.infra.settings import load_settings

CONTRACT_VERBS = ["check", "preview", "publish", "run", "status", "retract", "doctor", "poster", "pause", "resume"]
CONTRACT_VERBS += ["digest", "announce", "report", "collect"]


def test_env_nesting_and_secrets_are_masked(monkeypatch, tmp_path):
    monkeypatch.setenv("PUBLISHER_FACEBOOK__PAGE_ID", "12345")
    monkeypatch.setenv("PUBLISHER_FACEBOOK__ACCESS_TOKEN", "EAAB-sangat-rahasia")
    monkeypatch.setenv("PUBLISHER_X__API_BASE", "http://127.0.0.1:9/")
    monkeypatch.setenv("PUBLISHER_SECRETS_DIR", str(tmp_path))
    (tmp_path / "publisher_telegram__bot_token").write_text("123:telegram-rahasia")
    settings = load_settings()
    assert settings.facebook.page_id == "12345"
    assert settings.facebook.configured
    assert settings.x.api_base == "http://127.0.0.1:9/"
    assert settings.timezone == "Asia/Jakarta"
    assert "EAAB-sangat-rahasia" not in repr(settings) and "EAAB-sangat-rahasia" not in str(settings.model_dump())
    assert "EAAB-sangat-rahasia" in settings.secret_values()
    # a nested name in the secrets dir, as docker secrets would mount it
    assert settings.telegram.bot_token is not None
    assert settings.telegram.bot_token.get_secret_value() == "123:telegram-rahasia"


def test_secrets_dir_file_is_read(monkeypatch, tmp_path):
    monkeypatch.setenv("PUBLISHER_SECRETS_DIR", str(tmp_path))
    (tmp_path / "PUBLISHER_REDIS_URL").write_text("redis://:pw@127.0.0.1:6379/0")
    settings = load_settings()
    assert settings.redis_url is not None
    assert settings.redis_url.get_secret_value() == "redis://:pw@127.0.0.1:6379/0"


def test_unknown_timezone_is_refused(monkeypatch):
    monkeypatch.setenv("PUBLISHER_TIMEZONE", "Asia/Bengkulu")
    with pytest.raises(ValueError, match="unknown IANA time zone"):
        load_settings()


def test_every_contract_verb_exists_and_has_help():
    runner = CliRunner()
    top = runner.invoke(cli, ["--help"])
    assert top.exit_code == 0
    for verb in CONTRACT_VERBS:
        result = runner.invoke(cli, [verb, "--help"])
        assert result.exit_code == 0, (verb, result.output)
        assert verb in top.output
        assert len(result.output.splitlines()) >= 3, verb


def test_every_registered_command_has_help_text():
    for name, command in cli.commands.items():
        assert command.help and command.help.strip(), f"`publisher {name}` has no help"


def test_python_dash_m_works():
    out = subprocess.run([sys.executable, "-m", "publisher", "--version"], capture_output=True, text=True, check=True)
    assert "publisher" in out.stdout
