"""Test helpers (no tests here): the fake platform servers, post files, the Redis server and namespace cleanup."""
