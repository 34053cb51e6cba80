"""What every process needs: the settings, the Redis connection, log lines and secret masking."""
