"""What every process needs: the settings, the Redis connection, log lines and secret masking."""

from publisher.infra.masking import Masker, install_log_masking
from publisher.infra.redis import connect
from publisher.infra.settings import Settings, env_name, load_settings

__all__ = ["Masker", "Settings", "connect", "env_name", "install_log_masking", "load_settings"]
