# The publisher's one image: the worker, the beat, Flower and the CLI (`docker compose run --rm worker publisher ...`).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# Dependencies first, so editing a post template or a module does not reinstall them.
COPY pyproject.toml README.md* ./
COPY publisher ./publisher
COPY worker ./worker
# flower: the queue dashboard of docker-compose.yml; it runs from this image so it sees the namespaced queues.
RUN pip install . "flower>=2.0" \
 && useradd --system --uid 10001 --home-dir /var/lib/publisher --create-home publisher \
 && mkdir -p /srv/media \
 && chown publisher /srv/media

USER publisher
ENV PUBLISHER_POSTS_DIR=/posts \
    PUBLISHER_STATE_DIR=/var/lib/publisher \
    PUBLISHER_MEDIA_DIR=/srv/media \
    PUBLISHER_SECRETS_DIR=/run/secrets \
    PUBLISHER_LOG_LEVEL=INFO
WORKDIR /var/lib/publisher
CMD ["celery", "-A", "worker", "worker", "--loglevel=INFO"]
