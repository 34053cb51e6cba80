"""docker-compose.yml and the Dockerfile, read as data (no Docker engine runs where the tests run)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from publisher.infra.settings import Settings, load_settings

REPO = Path(__file__).resolve().parent.parent
COMPOSE = REPO / "docker-compose.yml"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))  # SafeLoader resolves the `<<:` merge keys


@pytest.fixture(scope="module")
def services(compose: dict) -> dict:
    return compose["services"]


def _command(service: dict) -> list[str]:
    command = service.get("command")
    return shlex.split(command) if isinstance(command, str) else list(command or [])


def _volumes(service: dict) -> list[str]:
    return [v if isinstance(v, str) else f"{v['source']}:{v['target']}" for v in service.get("volumes", [])]


def test_every_service_is_there_with_its_command(services: dict) -> None:
    assert set(services) >= {"redis", "postgres", "worker", "beat", "media", "flower"}
    assert _command(services["worker"])[:4] == ["celery", "-A", "worker", "worker"]
    assert _command(services["beat"])[:4] == ["celery", "-A", "worker", "beat"]
    assert _command(services["flower"])[:4] == ["celery", "-A", "worker", "flower"]
    assert _command(services["redis"])[0] == "redis-server"
    for name in ("worker", "beat", "flower"):
        assert services[name]["build"] == "."
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert "healthcheck" in services["redis"]


def test_exactly_one_beat(services: dict) -> None:
    beat = services["beat"]
    assert beat.get("deploy", {}).get("replicas", 1) == 1
    assert "scale" not in beat
    assert sum(1 for s in services.values() if _command(s)[3:4] == ["beat"]) == 1
    assert not any("beat" in _command(s)[4:] or "-B" in _command(s) for s in services.values())


def test_redis_persists_with_aof_and_never_evicts(services: dict) -> None:
    command = " ".join(_command(services["redis"]))
    assert "--appendonly yes" in command
    assert "--appendfsync everysec" in command
    assert "--maxmemory-policy noeviction" in command
    assert any(v.endswith(":/data") for v in _volumes(services["redis"]))
    assert "ports" not in services["redis"]  # reachable from the compose network only


def test_volumes_posts_read_only_media_shared(services: dict, compose: dict) -> None:
    for name in ("worker", "beat"):
        volumes = _volumes(services[name])
        posts = [v for v in volumes if ":/posts" in v]
        assert posts == ["./posts:/posts:ro"], name
    # The worker writes the images, the web server only reads them, from the same named volume.
    assert "media:/srv/media" in _volumes(services["worker"])
    assert "media:/usr/share/nginx/html:ro" in _volumes(services["media"])
    assert services["media"]["image"].startswith(("nginx", "caddy"))
    named = {v.split(":")[0] for s in services.values() for v in _volumes(s) if not v.startswith((".", "/"))}
    assert named <= set(compose["volumes"])
    assert services["worker"]["environment"]["PUBLISHER_MEDIA_DIR"] == "/srv/media"
    assert services["worker"]["environment"]["PUBLISHER_POSTS_DIR"] == "/posts"


def test_secrets_come_from_docker_secrets_never_from_the_file(services: dict, compose: dict) -> None:
    env = services["worker"]["environment"]
    assert env["PUBLISHER_SECRETS_DIR"] == "/run/secrets"
    assert env["PUBLISHER_REDIS_URL"] == "redis://redis:6379/0"
    for name, value in env.items():
        if re.search(r"TOKEN|SECRET$|PASSWORD|_KEY$", name):
            pytest.fail(f"{name} is a secret: it belongs in ./secrets/, not in docker-compose.yml")
        assert not re.search(r"[A-Za-z0-9]{24,}", str(value)), name
    declared = compose["secrets"]
    assert set(services["worker"]["secrets"]) == set(declared)
    assert all(spec["file"].startswith("./secrets/") for spec in declared.values())
    # Least privilege: the beat reads approvals (the database password) and nothing else; flower gets nothing.
    assert services["beat"]["secrets"] == ["publisher_database_password"]
    assert "secrets" not in services["flower"]


def test_every_secret_name_is_a_setting(compose: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each docker secret's file name is read by the settings as the credential it is meant to be."""
    for name in list(Settings.model_fields):
        monkeypatch.delenv(f"PUBLISHER_{name.upper()}", raising=False)
    monkeypatch.setenv("PUBLISHER_SECRETS_DIR", str(tmp_path))
    for name in compose["secrets"]:
        (tmp_path / name).write_text(f"value-of-{name}\n")
    settings = load_settings()
    for name in compose["secrets"]:
        section, _, field = name.removeprefix("publisher_").rpartition("__")
        value = getattr(getattr(settings, section) if section else settings, field)
        assert value is not None and value.get_secret_value().strip() == f"value-of-{name}", name


def test_flower_and_media_are_not_open_to_the_world(services: dict) -> None:
    for name in ("flower", "media"):
        for port in services[name].get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on every interface"


def test_dockerfile_builds_the_package_and_runs_unprivileged() -> None:
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11", dockerfile, re.M)
    assert "pip install ." in dockerfile
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.M)
    ignored = (REPO / ".dockerignore").read_text(encoding="utf-8").split()
    for private in (".env", "secrets/", ".git", ".publisher/"):
        assert private in ignored


def test_the_archive_on_postgresql_with_approvals_required(services: dict, compose: dict) -> None:
    from publisher.archive.database import database_url

    postgres = services["postgres"]
    assert postgres["image"].startswith("postgres:")
    assert any(v.endswith(":/var/lib/postgresql/data") for v in _volumes(postgres))
    assert "ports" not in postgres  # reachable from the compose network only
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert postgres["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/publisher_database_password"
    assert "POSTGRES_PASSWORD" not in postgres["environment"]
    for name in ("worker", "beat"):
        env = services[name]["environment"]
        assert env["PUBLISHER_REQUIRE_APPROVAL"] == "true"
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert "publisher_database_password" in services[name]["secrets"]
    env = services["worker"]["environment"]
    url = env["PUBLISHER_DATABASE_URL"]
    assert url.startswith("postgresql+psycopg://") and "@postgres:5432/" in url
    db = postgres["environment"]
    settings = Settings(
        _env_file=None, database_url=url, database_password="from-the-secret-file", require_approval=True
    )
    assert settings.require_approval is True
    resolved = database_url(settings)
    assert (resolved.username, resolved.database, resolved.host) == (db["POSTGRES_USER"], db["POSTGRES_DB"], "postgres")
    assert resolved.password == "from-the-secret-file"
